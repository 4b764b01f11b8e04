/**
 * Test helper: the exact least-squares line through points given as IEEE doubles, computed in
 * rational arithmetic with BigInt (every double is an integer multiple of 2^-1074), rounded to
 * double only at the end. It separates the error of an algorithm from the error already present in
 * the double representation of its inputs.
 */

const K = 1100n;

/** x·2^K exactly, as a BigInt (x finite, |x| < 2^1024). */
function scaled(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError('scaled: non-finite');
  if (x === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const expField = (bits >> 52n) & 0x7ffn;
  const frac = bits & 0xfffffffffffffn;
  const mant = expField === 0n ? frac : frac | (1n << 52n);
  const e = (expField === 0n ? 1n : expField) - 1075n; // x = mant·2^e
  const shift = e + K;
  if (shift < 0n) throw new RangeError('scaled: K too small');
  return sign * (mant << shift);
}

function bitLength(v: bigint): number {
  return (v < 0n ? -v : v).toString(2).length;
}

/** p/q rounded to a double (to within one unit in the last place). */
function ratio(p: bigint, q: bigint): number {
  if (q < 0n) { p = -p; q = -q; }
  if (p === 0n) return 0;
  const s = 70 - (bitLength(p) - bitLength(q));
  const quotient = s >= 0 ? (p << BigInt(s)) / q : p / (q << BigInt(-s));
  return Number(quotient) * 2 ** -s;
}

export interface ExactFit {
  slope: number;
  intercept: number;
  residualSd: number;
  uSlope: number;
  uIntercept: number;
  r2: number;
}

export function exactLineFit(ts: readonly number[], ys: readonly number[]): ExactFit {
  const n = BigInt(ts.length);
  let st = 0n, sy = 0n, stt = 0n, sty = 0n, syy = 0n;
  ts.forEach((t, i) => {
    const T = scaled(t);
    const Y = scaled(ys[i]!);
    st += T; sy += Y; stt += T * T; sty += T * Y; syy += Y * Y;
  });
  const A = n * stt - st * st; // n·S_tt·4^K
  const B = n * sty - st * sy; // n·S_ty·4^K
  const C = n * syy - sy * sy; // n·S_yy·4^K
  const two2K = 1n << (2n * K);
  // SSR = (AC − B²)/(A·n·4^K); s² = SSR/(n − 2)
  const s2 = ratio(A * C - B * B, A * n * two2K * (n - 2n));
  const sttExact = ratio(A, n * two2K);
  return {
    slope: ratio(B, A),
    intercept: ratio(sy * A - B * st, A * n * (1n << K)),
    residualSd: Math.sqrt(s2),
    uSlope: Math.sqrt(s2 / sttExact),
    uIntercept: Math.sqrt(s2 * ratio(stt, A)),
    r2: ratio(B * B, A * C),
  };
}
