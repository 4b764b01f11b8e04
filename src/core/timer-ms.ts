/** Node's timers take at most 2^31 − 1 ms; a longer delay would fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay Node's setTimeout honours: clamped to 0..MAX_TIMER_MS (NaN: 0), in whole milliseconds
 * (rounded up, so never early). For one-shot timeouts and wake-ups whose owner re-checks when it
 * fires; long waits use `Clock.sleep`, which chunks. Whole milliseconds because Node keeps one
 * timer list per distinct duration: a fractional delay (a deadline minus performance.now()) made
 * a list, a property of Node's list map and a priority-queue entry for nearly every timer, and
 * threw them away when it fired.
 */
export function timerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}
