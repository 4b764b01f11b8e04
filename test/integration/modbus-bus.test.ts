/**
 * One simulated RS-485 bus (a pty pair) with three units, one of them dead: the circuit breaker
 * keeps the dead unit from eating the bus, so the two live units keep their polling rate.
 *
 * The numbers are chosen so that the breaker is what makes the difference: the dead unit's
 * timeout (300 ms) is twice the poll interval (150 ms), so without a breaker every one of its
 * polls would hold the bus for two slots and the live units would get about half their rate.
 * With it, after three timeouts the dead unit costs one timeout per probe interval (3 s).
 * This is a behaviour check on counts, not a timing assertion: what the breaker decides is how
 * many requests the dead unit puts on the bus (counted by the simulator), which no machine load
 * changes. The live units' rate is only checked loosely (a loaded 2-core machine may stall the
 * poll loops themselves): no failed cycle, and well over the half they would get without a
 * breaker... on an idle machine; under load only that they were not starved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterLink } from '../../src/links/types.js';
import { driverOn, linkTo, pollLoop, startSimulator, waitFor, type SimHandle } from './modbus-harness.js';

const INTERVAL_MS = 150;
const TIMEOUT_MS = 300;
const WINDOW_MS = 6000;

describe('three units on one RS-485 bus, one dead', () => {
  let h: SimHandle;
  let link: RegisterLink;

  beforeAll(async () => {
    h = await startSimulator({ units: [1, 2, 3].map((unit) => ({ unit, profile: 'env-sensor' })) }, ['rtu']);
    link = linkTo(h.endpoint, 'rtu', { breaker: { failures: 3, probeInterval: '3s' } });
    await link.waitConnected(5000);
  });

  afterAll(async () => {
    await link?.close();
    await h?.stop();
  });

  it('the dead unit reaches the bus only with its probes; the live units keep polling without a failure', async () => {
    h.sim.inject({ type: 'dead', unit: 3 });
    const devices = [1, 2, 3].map((unit) => driverOn(link, { unit, profile: 'env-sensor' }, TIMEOUT_MS));
    const counts = devices.map(() => ({ good: 0, bad: 0 }));
    const stop = new AbortController();
    const loops = devices.map((d, i) => pollLoop(d.read, INTERVAL_MS, stop.signal, counts[i]!));
    try {
      // The dead unit trips its breaker after three timeouts; then measure the steady state.
      await waitFor(() => link.units().find((u) => u.unit === 3)?.breaker === 'open', 10_000, 'the breaker to open');
      for (const c of counts) c.good = c.bad = 0;
      const deadRequestsBefore = h.sim.requests.get(3) ?? 0;
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const expected = WINDOW_MS / INTERVAL_MS;
      const [one, two, dead] = counts.map((c) => ({ ...c }));

      expect(one!.good).toBeGreaterThanOrEqual(0.25 * expected);
      expect(two!.good).toBeGreaterThanOrEqual(0.25 * expected);
      expect(one!.bad + two!.bad).toBe(0);
      // The dead unit's cycles are flagged, and almost all of them were refused without a request:
      // only its probes (one per 3 s) reached the bus.
      expect(dead!.good).toBe(0);
      expect(dead!.bad).toBeGreaterThan(0.25 * expected);
      expect((h.sim.requests.get(3) ?? 0) - deadRequestsBefore).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 3000) + 1);
      expect(devices[2]!.errors).toContain('TG_CIRCUIT_OPEN');
    } finally {
      stop.abort();
      await Promise.all(loops);
    }
  });
});
