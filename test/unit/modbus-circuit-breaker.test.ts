import { describe, expect, it } from 'vitest';
import { CircuitBreaker, UnitBreakers } from '../../src/links/modbus/circuit-breaker.js';

function breaker(failures = 3, probeIntervalMs = 10_000) {
  let now = 0;
  const b = new CircuitBreaker({ failures, probeIntervalMs }, () => now);
  return { b, advance: (ms: number) => (now += ms) };
}

describe('Modbus circuit breaker', () => {
  it('stays closed below the failure threshold, and a success resets the count', () => {
    const { b } = breaker(3);
    for (let i = 0; i < 2; i++) {
      expect(b.admit()).toBe('pass');
      b.failure();
    }
    expect(b.admit()).toBe('pass');
    b.success();
    expect(b.consecutiveFailures).toBe(0);
    for (let i = 0; i < 2; i++) {
      expect(b.admit()).toBe('pass');
      b.failure();
    }
    expect(b.current).toBe('closed');
  });

  it('opens after N consecutive failures and refuses until the probe interval has passed', () => {
    const { b, advance } = breaker(3, 10_000);
    for (let i = 0; i < 3; i++) {
      b.admit();
      b.failure();
    }
    expect(b.current).toBe('open');
    expect(b.admit()).toBe('reject');
    advance(9_999);
    expect(b.admit()).toBe('reject');
    expect(b.waitMs()).toBe(1);
    advance(1);
    expect(b.admit()).toBe('probe');
    // One probe at a time: while it is out, everything else is refused.
    expect(b.admit()).toBe('reject');
  });

  it('a failed probe rests the unit another interval; a successful one closes the circuit', () => {
    const { b, advance } = breaker(1, 1000);
    b.admit();
    b.failure();
    advance(1000);
    expect(b.admit()).toBe('probe');
    b.failure();
    expect(b.current).toBe('open');
    advance(999);
    expect(b.admit()).toBe('reject');
    advance(1);
    expect(b.admit()).toBe('probe');
    b.success();
    expect(b.current).toBe('closed');
    expect(b.admit()).toBe('pass');
  });

  it('a probe that ended without a verdict (link down, abort) may be retried at once', () => {
    const { b, advance } = breaker(1, 1000);
    b.admit();
    b.failure();
    advance(1500);
    expect(b.admit()).toBe('probe');
    b.neutral();
    expect(b.current).toBe('open');
    expect(b.admit()).toBe('probe');
  });

  it('keeps one breaker per unit id, so one dead unit does not close the others out', () => {
    let now = 0;
    const units = new UnitBreakers({ failures: 1, probeIntervalMs: 1000 }, () => now);
    units.for(3).admit();
    units.for(3).failure();
    expect(units.for(3).admit()).toBe('reject');
    expect(units.for(1).admit()).toBe('pass');
    expect(units.entries().map(([u, b]) => [u, b.current])).toEqual([
      [1, 'closed'],
      [3, 'open'],
    ]);
    now += 1000;
    expect(units.for(3).admit()).toBe('probe');
  });
});
