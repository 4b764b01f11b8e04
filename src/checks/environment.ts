/**
 * The lab's environment window (DOMAIN.md "Environment validity"): each reading of the standard is
 * judged against the latest temperature, humidity and pressure at its time.
 *
 * Contract: for each quantity with a window in config, the latest value must be fresh (within
 * `environment.maxAge` of the reading) and inside [min, max]. Outside: 'fail' and the reading is
 * flagged `env_out_of_window` (kept, never dropped). Unknown (no fresh value): 'warn' — the
 * reading is not verified either. No window configured: 'pass'. Never throws.
 */
import type { EnvQuantity, Interval, StandardConfig } from './config.js';
import { fresh } from './corrections.js';
import { NONE, type StandardState } from './state.js';

const QUANTITIES: readonly EnvQuantity[] = ['temperature', 'humidity', 'pressure'];

export interface EnvironmentJudgement {
  result: 'pass' | 'warn' | 'fail';
  out: readonly EnvQuantity[];
  missing: readonly EnvQuantity[];
  detail: string;
}

export function inside(v: number, w: Interval): boolean {
  return (w.min === undefined || v >= w.min) && (w.max === undefined || v <= w.max);
}

function show(w: Interval): string {
  return `[${w.min ?? '-∞'}, ${w.max ?? '∞'}]`;
}

export function judgeEnvironment(cfg: StandardConfig, env: StandardState['env'], t: number): EnvironmentJudgement {
  // Arrays and notes only when something is out or missing: this runs for every reading of a
  // standard, and nearly always finds the air in its window.
  let out: EnvQuantity[] | undefined;
  let missing: EnvQuantity[] | undefined;
  let notes: string[] | undefined;
  for (const q of QUANTITIES) {
    const w = cfg.environment.window[q];
    if (!w) continue;
    const v = fresh(env[q], t, cfg.environment.maxAge);
    if (v === undefined) {
      (missing ??= []).push(q);
      (notes ??= []).push(`${q} unknown`);
    } else if (!inside(v, w)) {
      (out ??= []).push(q);
      (notes ??= []).push(`${q} ${v} outside ${show(w)}`);
    }
  }
  const result = out !== undefined ? 'fail' : missing !== undefined ? 'warn' : 'pass';
  return { result, out: out ?? NONE, missing: missing ?? NONE, detail: notes === undefined ? '' : notes.join('; ') };
}

/** An environment reading judged on its own against its window (for the reading's own record). */
export function judgeEnvironmentValue(cfg: StandardConfig, q: EnvQuantity, v: number): 'pass' | 'fail' {
  const w = cfg.environment.window[q];
  return !w || inside(v, w) ? 'pass' : 'fail';
}
