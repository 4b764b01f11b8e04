/**
 * A circuit breaker per Modbus unit id. A unit that stops answering would otherwise cost its bus
 * one full timeout per poll and starve every other unit on it. After `failures` consecutive
 * failures the circuit opens: requests to that unit are refused at once, except one probe per
 * `probeIntervalMs`. A probe that succeeds closes the circuit; one that fails keeps it open for
 * another interval. So a dead unit costs the bus at most one timeout per probe interval.
 *
 * Only failures that say the unit is not answering properly count (timeouts, corrupt frames).
 * A Modbus exception is an answer: the unit is alive. Link-level failures (no connection, abort)
 * say nothing about the unit and leave the breaker as it was.
 */

export interface BreakerOptions {
  failures: number;
  probeIntervalMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the breaker allows for the next request: send it, send it as a probe, or refuse it. */
export type Admission = 'pass' | 'probe' | 'reject';

export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutive = 0;
  /** Monotonic ms of the last probe (or of the opening): the next probe is due an interval later. */
  private lastProbeAt = 0;
  private previousProbeAt = 0;
  requests = 0;
  failures = 0;

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number,
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Ms until the next probe may go out (0 when closed or due). */
  waitMs(): number {
    if (this.state === 'closed') return 0;
    return Math.max(0, this.lastProbeAt + this.opts.probeIntervalMs - this.now());
  }

  /** Asks to send a request. Every 'pass' or 'probe' must be followed by exactly one of
   *  success(), failure() or neutral(). */
  admit(): Admission {
    if (this.state === 'closed') {
      this.requests++;
      return 'pass';
    }
    if (this.state === 'half-open') return 'reject';
    if (this.now() - this.lastProbeAt < this.opts.probeIntervalMs) return 'reject';
    this.state = 'half-open';
    this.previousProbeAt = this.lastProbeAt;
    this.lastProbeAt = this.now();
    this.requests++;
    return 'probe';
  }

  /** The unit answered (data or a Modbus exception). */
  success(): void {
    this.state = 'closed';
    this.consecutive = 0;
  }

  /** The unit did not answer properly (timeout, bad CRC, malformed frame). */
  failure(): void {
    this.failures++;
    this.consecutive++;
    if (this.state === 'half-open') {
      this.state = 'open';
      return;
    }
    if (this.state === 'closed' && this.consecutive >= this.opts.failures) {
      this.state = 'open';
      this.lastProbeAt = this.now();
    }
  }

  /** The request ended without telling anything about the unit (aborted, link down). */
  neutral(): void {
    if (this.state === 'half-open') {
      this.state = 'open';
      this.lastProbeAt = this.previousProbeAt;
    }
  }
}

/** The breakers of one link, created on first use of each unit id. */
export class UnitBreakers {
  private readonly breakers = new Map<number, CircuitBreaker>();

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number,
  ) {}

  for(unit: number): CircuitBreaker {
    let b = this.breakers.get(unit);
    if (!b) {
      b = new CircuitBreaker(this.opts, this.now);
      this.breakers.set(unit, b);
    }
    return b;
  }

  entries(): [number, CircuitBreaker][] {
    return [...this.breakers.entries()].sort((a, b) => a[0] - b[0]);
  }
}
