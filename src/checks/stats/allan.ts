/**
 * Overlapping Allan deviation of an equally spaced series (IEEE Std 1139; Riley, NIST SP 1065,
 * "Handbook of Frequency Stability Analysis", §5.2.4).
 *
 * Contract:
 * - Input: M values y_0 … y_{M−1} of a fractional-frequency-like quantity taken every τ0 (no gaps;
 *   all finite). For a voltage channel pass y/nominal to get a fractional deviation, or the raw
 *   values to get it in volts — the result has the unit of y.
 * - For each averaging factor m (τ = m·τ0), with phase x_i = τ0·Σ_{j<i} y_j (x_0 = 0, M + 1 points):
 *     σ²_y(τ) = Σ_{i=0}^{M−2m} (x_{i+2m} − 2x_{i+m} + x_i)² / (2 τ² (M − 2m + 1)),
 *   i.e. the overlapping estimator on the differences of adjacent m-sample averages of y, taken at
 *   every start position. `n` in the result is the number of terms, M − 2m + 1.
 * - Default m: octaves 1, 2, 4, … while m ≤ M/3. Explicit m must be integers with 1 ≤ m ≤ M/2.
 * - The series is centred on its mean first (σ_y is invariant to a constant offset), so a 10 V
 *   nominal does not cost digits in the phase sums. O(M) per m.
 */

export interface AllanPoint {
  m: number;
  tau: number;
  adev: number;
  /** Number of terms in the overlapping sum. */
  n: number;
}

export interface AllanOptions {
  /** Averaging factors; default octave-spaced up to M/3. */
  ms?: readonly number[];
}

export function octaveFactors(count: number): number[] {
  const out: number[] = [];
  for (let m = 1; m <= count / 3; m *= 2) out.push(m);
  return out;
}

export function overlappingAdev(values: readonly number[], tau0: number, options: AllanOptions = {}): AllanPoint[] {
  if (!Number.isFinite(tau0) || tau0 <= 0) throw new RangeError(`overlappingAdev: tau0 must be > 0, got ${tau0}`);
  const count = values.length;
  let mean = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`overlappingAdev: value ${i} is not finite`);
    mean += (v - mean) / (i + 1);
  }
  // Phase in units of τ0 (x/τ0), from the centred series: p_i = Σ_{j<i} (y_j − ȳ).
  const phase = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) phase[i + 1] = phase[i]! + (values[i]! - mean);

  const ms = options.ms ?? octaveFactors(count);
  const out: AllanPoint[] = [];
  for (const m of ms) {
    if (!Number.isInteger(m) || m < 1 || 2 * m > count) {
      throw new RangeError(`overlappingAdev: averaging factor ${m} needs 1 ≤ m ≤ ${Math.floor(count / 2)}`);
    }
    const terms = count - 2 * m + 1;
    let sum = 0;
    for (let i = 0; i < terms; i++) {
      const d = phase[i + 2 * m]! - 2 * phase[i + m]! + phase[i]!;
      sum += d * d;
    }
    // With x = τ0·p and τ = m·τ0, σ² = Σ d² τ0² / (2 m² τ0² terms) = Σ d² / (2 m² terms).
    out.push({ m, tau: m * tau0, adev: Math.sqrt(sum / (2 * m * m * terms)), n: terms });
  }
  return out;
}
