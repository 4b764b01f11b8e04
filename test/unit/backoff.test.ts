import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Backoff } from '../../src/core/backoff.js';

/** The base delay of each attempt, read off with random() = 1 (the top of the jitter range). */
function bases(initialMs: number, maxMs: number, n: number): number[] {
  const b = new Backoff({ initialMs, maxMs, random: () => 1 });
  return Array.from({ length: n }, () => b.next());
}

describe('Backoff', () => {
  it('doubles the base from initial up to max and stays there', () => {
    expect(bases(500, 30_000, 9)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('keeps each delay within [base/2, base] whatever the random source returns', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (initialMs, extra, randoms) => {
          const maxMs = initialMs + extra;
          let i = 0;
          const b = new Backoff({ initialMs, maxMs, random: () => randoms[i]! });
          for (i = 0; i < randoms.length; i++) {
            const base = Math.min(maxMs, initialMs * 2 ** i);
            const d = b.next();
            expect(d).toBeGreaterThanOrEqual(base / 2);
            expect(d).toBeLessThanOrEqual(base);
          }
        },
      ),
    );
  });

  it('puts the bottom of the jitter range at half the base', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
  });

  it('starts again from initial after reset()', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, random: () => 1 });
    b.next();
    b.next();
    b.next();
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(100);
    expect(b.next()).toBe(200);
  });

  it('stays finite at max after thousands of failures', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 1 });
    let last = 0;
    for (let i = 0; i < 5000; i++) last = b.next();
    expect(last).toBe(30_000);
  });

  it('grows from 1 ms when initial is 0 instead of retrying in a tight loop', () => {
    expect(bases(0, 100, 9)).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100]);
  });
});
