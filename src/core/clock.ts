/** Time is injected so that schedules and checks can be tested with fake or replayed time. */
export interface Clock {
  /** Wall-clock UTC time in ms since the epoch. */
  now(): number;
  /** Monotonic time in ms, for intervals and timeouts. */
  monotonic(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

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
      const sleeper = { until: this.mono + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
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
