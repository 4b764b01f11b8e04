/** Exponential backoff with full jitter over [base/2, base], e.g. 0.5 s doubling up to 30 s. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; each call doubles the base up to the maximum. */
  next(): number {
    const { initialMs, maxMs, factor = 2, random = Math.random } = this.opts;
    // The exponent is capped: factor ** attempt would overflow to
    // Infinity after ~1000 failures (and 0 * Infinity is NaN). A zero `initialMs` starts at 1 ms so
    // the delay still grows instead of retrying in a tight loop.
    const base = Math.min(maxMs, Math.max(initialMs, 1) * factor ** Math.min(this.attempt, 64));
    this.attempt++;
    return base / 2 + (base / 2) * random();
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
