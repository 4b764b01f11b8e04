/**
 * Settling after arrival (or after a power interruption): readings count only after the protocol's
 * settling time AND once the drift rate and the thermistor stay within limits over a sliding window.
 *
 * Contract:
 * - `restart(s, t)` starts settling at t (arrival, power interruption): not settled, window empty.
 * - The window is `settling.window` long, kept as BUCKETS = 12 time buckets of window/12 each,
 *   counted from the start; each bucket holds Welford moments of (t in days, y) of the standard's
 *   readings and min/max of the thermistor. The window at a reading is the newest 12 buckets, so
 *   it spans between 11/12 and 12/12 of `window`; it is full once 11/12 of the window has elapsed
 *   since the start. Memory and work per reading are O(BUCKETS), independent of the reading rate.
 * - Settled when: elapsed ≥ `settling.time`, the window is full, the window's OLS slope (when
 *   `maxDriftPerDay` is set) satisfies |slope − b_ref| ≤ maxDriftPerDay (b_ref = 0 without a
 *   reference model) and (when `maxThermistorSpread` is set and a thermistor is configured)
 *   (max − min)/min of the thermistor over the window ≤ the limit. Once settled it stays settled
 *   until the next restart. Readings before the start or older than the window are ignored.
 */
import type { StandardConfig } from './config.js';
import { DAY_MS, type Bucket, type SettlingSlice } from './state.js';

export const BUCKETS = 12;

export function restart(s: SettlingSlice, t: number): void {
  s.start = t;
  s.settled = false;
  s.settledAt = null;
  s.cur = -1;
  s.buckets = [];
  s.judged = null;
}

function bucketFor(cfg: StandardConfig, s: SettlingSlice, t: number): Bucket | undefined {
  if (s.start === null || t < s.start) return undefined;
  const width = cfg.settling.window / BUCKETS;
  const index = width > 0 ? Math.floor((t - s.start) / width) : 0;
  if (index <= s.cur - BUCKETS) return undefined; // older than the window
  if (index > s.cur) {
    s.cur = index;
    s.buckets = s.buckets.filter((b) => b.index > index - BUCKETS);
  }
  let b = s.buckets.find((x) => x.index === index);
  if (!b) {
    b = { index, n: 0, mt: 0, my: 0, stt: 0, sty: 0, thN: 0, thMin: 0, thMax: 0 };
    s.buckets.push(b);
    s.buckets.sort((a, c) => a.index - c.index);
  }
  return b;
}

/** Adds a reading of the standard (y: offset from nominal, corrected). */
export function addValue(cfg: StandardConfig, s: SettlingSlice, t: number, y: number): void {
  if (s.settled) return;
  const b = bucketFor(cfg, s, t);
  if (!b) return;
  const td = (t - s.start!) / DAY_MS;
  b.n += 1;
  const dt = td - b.mt;
  const dy = y - b.my;
  b.mt += dt / b.n;
  b.my += dy / b.n;
  b.stt += dt * (td - b.mt);
  b.sty += dt * (y - b.my);
}

export function addThermistor(cfg: StandardConfig, s: SettlingSlice, t: number, r: number): void {
  if (s.settled) return;
  const b = bucketFor(cfg, s, t);
  if (!b) return;
  if (b.thN === 0) {
    b.thMin = r;
    b.thMax = r;
  } else {
    b.thMin = Math.min(b.thMin, r);
    b.thMax = Math.max(b.thMax, r);
  }
  b.thN += 1;
}

export interface SettlingJudgement {
  settled: boolean;
  /** Became settled at this reading. */
  justSettled: boolean;
  /** 0…1: the larger of the time and window requirements, elapsed. */
  progress: number;
  detail: string;
}

/** Judges the criteria at reading time t (call after adding the reading). */
export function judge(cfg: StandardConfig, s: SettlingSlice, t: number, bRef: number): SettlingJudgement {
  if (s.settled) return { settled: true, justSettled: false, progress: 1, detail: 'settled' };
  if (s.start === null) return { settled: false, justSettled: false, progress: 0, detail: 'not arrived' };
  const elapsedMs = Math.max(0, t - s.start);
  const needMs = Math.max(cfg.settling.time, (cfg.settling.window * (BUCKETS - 1)) / BUCKETS);
  const windowFull = s.cur >= BUCKETS - 1;

  let n = 0, mt = 0, my = 0, stt = 0, sty = 0;
  let thN = 0, thMin = Number.POSITIVE_INFINITY, thMax = Number.NEGATIVE_INFINITY;
  for (const b of s.buckets) {
    if (b.n > 0) {
      // Chan et al.: merge two sets of centred moments.
      const total = n + b.n;
      const dt = b.mt - mt;
      const dy = b.my - my;
      const f = (n * b.n) / total;
      stt += b.stt + dt * dt * f;
      sty += b.sty + dt * dy * f;
      mt += (dt * b.n) / total;
      my += (dy * b.n) / total;
      n = total;
    }
    if (b.thN > 0) {
      thN += b.thN;
      thMin = Math.min(thMin, b.thMin);
      thMax = Math.max(thMax, b.thMax);
    }
  }
  const slopePerDay = n >= 3 && stt > 0 ? sty / stt : null;
  const thermistorSpread = thN > 0 && thMin > 0 ? (thMax - thMin) / thMin : null;
  s.judged = { at: t, elapsedMs, windowFull, slopePerDay, thermistorSpread };

  const failing: string[] = [];
  if (elapsedMs < cfg.settling.time) failing.push(`${Math.round(elapsedMs / 60_000)} of ${Math.round(cfg.settling.time / 60_000)} min`);
  if (!windowFull) failing.push('window not full');
  const maxDrift = cfg.settling.maxDriftPerDay;
  if (maxDrift !== undefined) {
    if (slopePerDay === null) failing.push('no drift rate in window');
    else if (Math.abs(slopePerDay - bRef) > maxDrift) failing.push(`drift ${slopePerDay.toPrecision(3)}/d beyond limit`);
  }
  const maxSpread = cfg.settling.maxThermistorSpread;
  if (maxSpread !== undefined && cfg.thermistor) {
    if (thermistorSpread === null) failing.push('no thermistor in window');
    else if (thermistorSpread > maxSpread) failing.push(`thermistor spread ${thermistorSpread.toPrecision(3)} beyond limit`);
  }
  const progress = needMs > 0 ? Math.min(1, elapsedMs / needMs) : 1;
  if (failing.length > 0) return { settled: false, justSettled: false, progress, detail: failing.join('; ') };
  s.settled = true;
  s.settledAt = t;
  s.buckets = [];
  return { settled: true, justSettled: true, progress: 1, detail: 'settled' };
}
