import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay between scrapes. A gateway whose loop stalls delays every time stamp it takes,
 * so this is the first number to look at when readings arrive late.
 *
 * Contract: `sample()` returns the mean, 99th percentile and maximum delay (seconds) observed since
 * the previous `sample()` (or `start()`), then starts a new window. `stop()` disables the monitor.
 */
export class EventLoopLag {
  #h: IntervalHistogram | undefined;

  start(resolutionMs = 20): void {
    if (this.#h) return;
    this.#h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#h.enable();
  }

  sample(): { mean: number; p99: number; max: number } {
    const h = this.#h;
    if (!h || h.count === 0) return { mean: 0, p99: 0, max: 0 };
    // The histogram reports nanoseconds and includes the sampling resolution itself.
    const out = { mean: h.mean / 1e9, p99: h.percentile(99) / 1e9, max: h.max / 1e9 };
    h.reset();
    return out;
  }

  stop(): void {
    this.#h?.disable();
    this.#h = undefined;
  }
}
