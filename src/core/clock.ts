import { wakeAt } from './wake-at.js';

/** Time is injected so that schedules and checks can be tested with fake or replayed time. */
export interface Clock {
  /** Wall-clock UTC time in ms since the epoch. */
  now(): number;
  /** Monotonic time in ms, for intervals and timeouts. */
  monotonic(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves when `monotonic()` reaches `deadline`; rejects with the signal's reason when aborted.
   * The system clock wakes every sleeper of one deadline together (core/wake-at.ts), at most 1 ms
   * early: what polls on a shared grid use, so that they wake the process once.
   */
  sleepUntil(deadline: number, signal?: AbortSignal): Promise<void>;
}

export { MAX_TIMER_MS, timerMs } from './timer-ms.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) => (ms > 0 ? systemSleepUntil(performance.now() + ms, signal) : nextTurn(signal)),
  sleepUntil: systemSleepUntil,
};

/**
 * The system clock sleeps on Node's timers, safe for any delay (wake-at.ts re-arms a timer that
 * could not hold it all). A sleep of 0 or less yields to the event loop once (setImmediate, no
 * 1 ms timer clamp), so a loop may go back to back without starving I/O.
 */
function nextTurn(signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve) => setImmediate(resolve));
}

function systemSleepUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal!.reason);
    };
    const cancel = wakeAt(deadline, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
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

  sleepUntil(deadline: number, signal?: AbortSignal): Promise<void> {
    return this.sleep(deadline - this.mono, signal);
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
