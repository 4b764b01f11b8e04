/**
 * Shared wake-ups (core/wake-at.ts): everything waiting for one instant shares one Node timer, so
 * the process wakes once for it; the system clock's sleeps and the journal's group commit use it.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { pendingWakeUps, wakeAt } from '../../src/core/wake-at.js';

describe('wakeAt', () => {
  it('runs every callback of one deadline from one timer, in registration order, not early', async () => {
    const before = pendingWakeUps();
    const deadline = Math.ceil(performance.now()) + 40;
    const ran: { name: string; at: number }[] = [];
    const done = new Promise<void>((resolve) => {
      wakeAt(deadline, () => ran.push({ name: 'a', at: performance.now() }));
      // the same instant computed the way a sleep computes it: now + (deadline − now)
      const now = performance.now();
      wakeAt(now + (deadline - now), () => ran.push({ name: 'b', at: performance.now() }));
      wakeAt(deadline - 0.4, () => ran.push({ name: 'c', at: performance.now() })); // the same whole ms
      wakeAt(deadline, () => {
        ran.push({ name: 'd', at: performance.now() });
        resolve();
      });
    });
    expect(pendingWakeUps()).toBe(before + 1);
    await done;
    expect(ran.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd']);
    for (const r of ran) expect(r.at).toBeGreaterThanOrEqual(deadline - 1);
    expect(pendingWakeUps()).toBe(before);
  });

  it('keeps one timer per distinct deadline, and cancelling the last callback clears it', async () => {
    const before = pendingWakeUps();
    const base = Math.ceil(performance.now()) + 30;
    const ran: string[] = [];
    const cancelA = wakeAt(base, () => ran.push('a'));
    const cancelB = wakeAt(base, () => ran.push('b'));
    const cancelC = wakeAt(base + 5, () => ran.push('c'));
    expect(pendingWakeUps()).toBe(before + 2);
    cancelA();
    cancelA(); // idempotent
    expect(pendingWakeUps()).toBe(before + 2);
    cancelC();
    expect(pendingWakeUps()).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 80));
    expect(ran).toEqual(['b']);
    cancelB(); // after it ran: nothing to do
    expect(pendingWakeUps()).toBe(before);
  });

  it('a deadline in the past runs on a later turn, never synchronously', async () => {
    let ran = false;
    const done = new Promise<void>((resolve) =>
      wakeAt(performance.now() - 50, () => {
        ran = true;
        resolve();
      }),
    );
    expect(ran).toBe(false);
    await done;
    expect(ran).toBe(true);
  });

  it('the system clock’s sleeps to one instant share its timer; an aborted one leaves the others', async () => {
    const before = pendingWakeUps();
    const deadline = Math.ceil(performance.now()) + 40;
    const stop = new AbortController();
    const first = systemClock.sleepUntil(deadline);
    const aborted = systemClock.sleepUntil(deadline, stop.signal);
    expect(pendingWakeUps()).toBe(before + 1);
    stop.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(pendingWakeUps()).toBe(before + 1);
    await first;
    expect(performance.now()).toBeGreaterThanOrEqual(deadline - 1);
    expect(pendingWakeUps()).toBe(before);
  });
});
