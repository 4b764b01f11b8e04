import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioPlayer, loadScenario, scenarioSchema } from '../../simulators/modbus/scenario.js';

const S = 1000;

describe('case-logger scenario player', () => {
  // drop-test: rest 0-1 s, vibration 1-3 s, drop 3-4 s, tilt 4-5 s, climate 5-7 s, power loss 7-9 s, rest 9-10 s.
  it('plays every segment of a scenario file', async () => {
    const player = new ScenarioPlayer(await loadScenario('drop-test'));
    expect(player.totalMs).toBe(10 * S);

    const rest = player.sample(0, 0.9 * S);
    expect([rest.peak_x, rest.peak_y, rest.peak_z]).toEqual([0.03, 0.03, 0.03]);
    expect(rest).toMatchObject({ tilt: 0.5, case_temperature: 21, case_humidity: 40, battery: 3.6, external_power: 1, events: 0 });

    const road = player.sample(1 * S, 3 * S);
    expect(road.peak_z).toBeGreaterThanOrEqual(1);
    expect(road.peak_z).toBeLessThanOrEqual(3);
    expect(road.peak_x).toBeLessThanOrEqual(1.5);

    const drop = player.sample(2.5 * S, 3.5 * S);
    expect(drop.peak_z).toBe(25);
    expect(drop.peak_x).toBeCloseTo(7.5);
    expect(drop.events).toBe(1);

    expect(player.sample(4.4 * S, 4.5 * S)).toMatchObject({ tilt: 35, events: 2 });

    const excursion = player.sample(6 * S, 6 * S);
    expect(excursion).toMatchObject({ case_temperature: 35, case_humidity: 70, events: 3 });
    // The excursion ramps: a fifth of the way in it is only starting.
    expect(player.sample(5.2 * S, 5.2 * S).case_temperature).toBeCloseTo(21 + 14 * 0.5);

    const power = player.sample(8 * S, 8 * S);
    expect(power).toMatchObject({ external_power: 0, events: 4 });
    // 360 V/h for 1 s = 0.1 V.
    expect(power.battery).toBeCloseTo(3.5);
    expect(player.sample(9.5 * S, 9.5 * S)).toMatchObject({ external_power: 1, battery: 3.6 });
  });

  it('holds the peak of a drop that happened between two reads, however short', async () => {
    const player = new ScenarioPlayer(await loadScenario('drop-test'));
    // One read before the drop and one long after it: the peak is still reported.
    expect(player.sample(0, 2 * S).peak_z).toBeLessThan(25);
    expect(player.sample(2 * S, 4.9 * S).peak_z).toBe(25);
    expect(player.sample(4.9 * S, 5 * S).peak_z).toBe(0.03);
  });

  it('loops, counting events across loops', async () => {
    const player = new ScenarioPlayer(await loadScenario('drop-test'));
    expect(player.sample(13.5 * S, 13.5 * S).events).toBe(4 + 1);
    expect(player.sample(12.9 * S, 13.1 * S).peak_z).toBe(25);
  });

  it('loads the road-trip scenario with hours of road vibration in accelerated time', async () => {
    const s = await loadScenario('road-trip');
    expect(s.timeFactor).toBe(60);
    expect(s.segments.map((x) => x.kind)).toEqual(['rest', 'vibration', 'drop', 'tilt', 'climate', 'vibration', 'power-loss', 'rest']);
    const player = new ScenarioPlayer(s);
    // Three hours of vibration sampled in one read stay within the segment's peak range.
    const trip = player.sample(5 * 60 * S, (5 * 60 + 3 * 3600) * S);
    expect(trip.peak_z).toBeGreaterThan(2.5);
    expect(trip.peak_z).toBeLessThanOrEqual(3);
  });

  it('reports a malformed scenario file with the path of each problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-scenario-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ segments: [{ kind: 'drop', peak: -1 }, { kind: 'rest', duration: 0 }] }));
      await expect(loadScenario(file)).rejects.toThrow(/segments\.0\.peak.*segments\.1\.duration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(scenarioSchema.safeParse({ segments: [] }).success).toBe(false);
  });
});
