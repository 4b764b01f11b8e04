/**
 * Two-sided tabular CUSUM on standardised residuals z (Page; Montgomery, "Introduction to
 * Statistical Quality Control", §9.1).
 *
 * Contract:
 * - Per sample: S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k); an alarm is raised when S⁺ > h or
 *   S⁻ > h (defaults k = 0.5, h = 5: tuned to detect a 1σ shift). O(1) per sample.
 * - Each side counts N, the samples since its sum last left zero; the onset is the first sample of
 *   that run (index and caller-supplied time `at`), i.e. the shift is estimated to have begun
 *   just before it.
 * - On alarm the estimated step, in units of the residual SD (z units), is
 *   ±(k + S/N) (classic estimate μ0 + σ(k + S/N) with μ0 = 0, σ = 1); multiply by the residual SD to
 *   get it in the measured unit. If both sides exceed h on one sample, the larger sum wins.
 * - After an alarm both sides reset to zero (the sample counter `index` continues).
 * - In-control average run length with the defaults is ≈ 470 samples for the two-sided scheme
 *   (≈ 940 per side; see `cusumArl`): expect false alarms at that rate on pure white noise and
 *   choose h for the reading rate (h = 8 → ≈ 9 600, h = 10 → ≈ 70 000).
 * - State is a plain JSON object (`snapshot()` / `Cusum.fromSnapshot()`); a non-finite z throws.
 */

export interface CusumOptions {
  /** Reference value (allowance) in σ units. Default 0.5. */
  k?: number;
  /** Decision interval in σ units. Default 5. */
  h?: number;
}

export interface CusumOnset {
  index: number;
  at: number | null;
}

export interface CusumSnapshot {
  v: 1;
  k: number;
  h: number;
  /** Index the next sample will get (number of samples seen). */
  index: number;
  sPlus: number;
  sMinus: number;
  nPlus: number;
  nMinus: number;
  onsetPlus: CusumOnset | null;
  onsetMinus: CusumOnset | null;
}

export interface CusumAlarm {
  side: 'up' | 'down';
  sign: 1 | -1;
  /** Index and time of the sample that raised the alarm. */
  index: number;
  at: number | null;
  /** First sample of the run that led to the alarm. */
  onset: CusumOnset;
  /** Samples from onset to alarm, inclusive (N). */
  samples: number;
  /** The sum that exceeded h. */
  statistic: number;
  /** Estimated step in z units, signed: sign·(k + S/N). */
  shiftZ: number;
}

export class Cusum {
  private s: CusumSnapshot;

  constructor(options: CusumOptions = {}) {
    const k = options.k ?? 0.5;
    const h = options.h ?? 5;
    if (!Number.isFinite(k) || k < 0) throw new RangeError(`Cusum: k must be finite and ≥ 0, got ${k}`);
    if (!Number.isFinite(h) || h <= 0) throw new RangeError(`Cusum: h must be finite and > 0, got ${h}`);
    this.s = { v: 1, k, h, index: 0, sPlus: 0, sMinus: 0, nPlus: 0, nMinus: 0, onsetPlus: null, onsetMinus: null };
  }

  static fromSnapshot(snap: CusumSnapshot): Cusum {
    if (snap === null || typeof snap !== 'object' || snap.v !== 1) {
      throw new RangeError('Cusum.fromSnapshot: unknown snapshot version');
    }
    const c = new Cusum({ k: snap.k, h: snap.h });
    for (const key of ['index', 'sPlus', 'sMinus', 'nPlus', 'nMinus'] as const) {
      if (!Number.isFinite(snap[key]) || snap[key] < 0) {
        throw new RangeError(`Cusum.fromSnapshot: field ${key} is invalid`);
      }
    }
    c.s = { ...snap, onsetPlus: snap.onsetPlus && { ...snap.onsetPlus }, onsetMinus: snap.onsetMinus && { ...snap.onsetMinus } };
    return c;
  }

  snapshot(): CusumSnapshot {
    const s = this.s;
    return { ...s, onsetPlus: s.onsetPlus && { ...s.onsetPlus }, onsetMinus: s.onsetMinus && { ...s.onsetMinus } };
  }

  get sPlus(): number {
    return this.s.sPlus;
  }

  get sMinus(): number {
    return this.s.sMinus;
  }

  /** Number of samples seen. */
  get count(): number {
    return this.s.index;
  }

  /** Feed one standardised residual; returns the alarm it raises, if any. */
  update(z: number, at: number | null = null): CusumAlarm | null {
    if (!Number.isFinite(z)) throw new RangeError(`Cusum.update: z must be finite, got ${z}`);
    const s = this.s;
    const index = s.index++;
    const here: CusumOnset = { index, at };

    s.sPlus = Math.max(0, s.sPlus + z - s.k);
    if (s.sPlus > 0) {
      if (s.nPlus === 0) s.onsetPlus = here;
      s.nPlus += 1;
    } else {
      s.nPlus = 0;
      s.onsetPlus = null;
    }
    s.sMinus = Math.max(0, s.sMinus - z - s.k);
    if (s.sMinus > 0) {
      if (s.nMinus === 0) s.onsetMinus = here;
      s.nMinus += 1;
    } else {
      s.nMinus = 0;
      s.onsetMinus = null;
    }

    const up = s.sPlus > s.h;
    const down = s.sMinus > s.h;
    if (!up && !down) return null;
    const useUp = up && (!down || s.sPlus >= s.sMinus);
    const statistic = useUp ? s.sPlus : s.sMinus;
    const samples = useUp ? s.nPlus : s.nMinus;
    const onset = (useUp ? s.onsetPlus : s.onsetMinus) ?? here;
    const sign = useUp ? 1 : -1;
    const alarm: CusumAlarm = {
      side: useUp ? 'up' : 'down',
      sign,
      index,
      at,
      onset,
      samples,
      statistic,
      shiftZ: sign * (s.k + statistic / samples),
    };
    this.reset();
    return alarm;
  }

  /** Clear both sums (e.g. after an alarm was handled or the fit was rebuilt). */
  reset(): void {
    const s = this.s;
    s.sPlus = 0; s.sMinus = 0; s.nPlus = 0; s.nMinus = 0; s.onsetPlus = null; s.onsetMinus = null;
  }
}

/**
 * Siegmund's approximation of the average run length of ONE side of a tabular CUSUM with
 * reference value k and decision interval h (σ units) when the true mean shift is `shift` σ
 * (0 = in control). Two-sided in-control ARL ≈ half of the one-sided value.
 */
export function cusumArl(k: number, h: number, shift = 0): number {
  const delta = shift - k;
  const b = h + 1.166;
  if (Math.abs(delta) < 1e-12) return b * b;
  return (Math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta);
}
