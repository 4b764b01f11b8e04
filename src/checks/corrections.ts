/**
 * Correction to reference conditions, before any statistics (BIPM practice for Zeners):
 *   U = U_meas · [1 − α_R (R − R0) − γ (p − p0) − β (T − T0) − δ (h − h0)]
 * with relative coefficients from the standard's characterisation (config `corrections`).
 *
 * Contract: only the configured coefficients apply. A configured influence whose latest value is
 * missing or older than `environment.maxAge` at the reading's time leaves the reading uncorrected
 * and names what was missing; such a reading is neither fitted nor verified. Never throws.
 */
import type { Influence, StandardConfig } from './config.js';
import { INFLUENCES } from './config.js';
import { NONE, type Sample, type StandardState } from './state.js';

export interface Correction {
  /** The corrected value, or null when an influence value was missing. */
  value: number | null;
  /** Relative correction applied: Σ c·(x − x_ref). */
  relative: number;
  missing: readonly Influence[];
}

/** The sample if it is recent enough (either side) of `t`. */
export function fresh(s: Sample | undefined, t: number, maxAgeMs: number): number | undefined {
  return s !== undefined && Math.abs(t - s.time) <= maxAgeMs ? s.value : undefined;
}

export function correct(cfg: StandardConfig, env: StandardState['env'], value: number, t: number): Correction {
  let relative = 0;
  let missing: Influence[] | undefined; // made only when one is missing: this runs per reading
  for (const q of INFLUENCES) {
    const c = cfg.corrections[q];
    if (!c) continue;
    const x = fresh(env[q], t, cfg.environment.maxAge);
    if (x === undefined) (missing ??= []).push(q);
    else relative += c.coefficient * (x - c.reference);
  }
  if (missing !== undefined) return { value: null, relative: 0, missing };
  return { value: value * (1 - relative), relative, missing: NONE };
}
