/** Time is injected so that schedules and checks can be tested with fake or replayed time. */
export interface Clock {
  /** Wall-clock UTC time in ms since the epoch. */
  now(): number;
  /** Monotonic time in ms, for intervals and timeouts. */
  monotonic(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

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

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: systemSleep,
};

/**
 * Sleeps on Node's timers, safe for any delay: 0 or less yields to the event loop once
 * (setImmediate, no 1 ms timer clamp), so a loop may go back to back without starving I/O; a delay
 * beyond what one timer can hold is slept in several.
 */
function systemSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!(ms > 0)) return new Promise<void>((resolve) => setImmediate(resolve));
  return new Promise<void>((resolve, reject) => {
    const deadline = performance.now() + Math.min(ms, Number.MAX_SAFE_INTEGER);
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const left = deadline - performance.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        return resolve();
      }
      timer = setTimeout(arm, Math.max(1, timerMs(left)));
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** A clock that only moves when told to: for unit tests of schedules and checks. */
export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(startUtcMs = Date.UTC(2026, 0, 1)) {
    this.wall = startUtcMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal!.reason);
      };
      const sleeper = {
        until: this.mono + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves both clocks forward and wakes every sleeper whose time has come. */
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
    const due = this.sleepers.filter((s) => s.until <= this.mono);
    this.sleepers = this.sleepers.filter((s) => s.until > this.mono);
    for (const s of due) s.resolve();
  }

  /** Steps only the wall clock, as an NTP correction or an operator would. */
  stepWall(ms: number): void {
    this.wall += ms;
  }
}
