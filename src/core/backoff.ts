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
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
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
