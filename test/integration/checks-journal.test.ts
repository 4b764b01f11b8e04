/**
 * The checks in front of a real journal (SQLite file): a whole scenario with replayed time —
 * a trip with a ride and a drop, arrival and settling, an air-conditioning failure, a power
 * interruption, alarm resolutions and a step — run straight through, and run again with a gateway
 * restart in the middle (clean stop, crash after an intermediate checkpoint, crash without any).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckEngine, CheckPipeline, CheckpointFile } from '../../src/checks/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { readingsOf } from '../../src/core/records.js';
import type { Acquisition, AcquisitionRecord, EventRecord, JournalRecord, Reading } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { MIN, Scenario, asAcquisition, testStandard } from '../unit/checks/scenario.js';

const N = 230;
const CALM: Record<string, number> = { peak_x: 0.02, peak_y: 0.03, peak_z: 1.0, tilt: 1, case_temperature: 18, case_humidity: 40, external_power: 1 };
const root = mkdtempSync(join(tmpdir(), 'tg-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Gw {
  journal: Journal;
  pipeline: CheckPipeline;
}

function open(path: string, sc: Scenario, checkpointEvery = 1000): Gw {
  const journal = Journal.open({ path, gateway: 'gw', lab: 'LAB', clock: sc.clock, commitIntervalMs: 0, log: silentLogger(), synchronous: 'NORMAL' });
  const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
  const pipeline = new CheckPipeline(engine, journal, { clock: sc.clock, log: silentLogger(), checkpoint: new CheckpointFile(`${path}.checks.json`), checkpointEvery });
  return { journal, pipeline };
}

/** Readings taken together as the devices give them: one acquisition per device (the PTU's three
 *  channels, the case logger's peaks together). */
function byDevice(readings: Reading[]): Acquisition[] {
  const out = new Map<string, Acquisition>();
  for (const r of readings) {
    const one = asAcquisition(r);
    const a = out.get(r.device);
    if (a) Object.assign(a.channels, one.channels);
    else out.set(r.device, one);
  }
  return [...out.values()];
}

/** Step i of the scenario: operator actions, the physics, then one acquisition cycle. */
async function step(p: CheckPipeline, sc: Scenario, i: number): Promise<void> {
  const act = async (r: Promise<{ ok: boolean }>) => expect((await r).ok).toBe(true);
  if (i === 40) await act(p.transition('Z1', 'in_transit', 'courier picked it up', 'alice'));
  if (i >= 40 && i < 46) {
    const peaks: Record<string, number> = i === 42 ? { peak_z: 3.1 } : i === 44 ? { peak_x: 25 } : CALM;
    await Promise.all(byDevice(sc.logger(peaks)).map((a) => p.acquisition(a)));
  }
  if (i === 46) await act(p.transition('Z1', 'settling', undefined, 'alice'));
  sc.world.lab.offset.temperature = i >= 90 && i < 96 ? 2 : 0;
  if (i === 100) await act(p.resolveAlarms('Z1', 'drop checked', 'bob'));
  if (i === 120) sc.zener.setOvenCooling(2);
  if (i === 121) sc.zener.setOvenCooling(0);
  if (i === 170) await act(p.resolveAlarms('Z1', undefined, 'bob'));
  if (i === 190) sc.zener.injectStep(2e-7);
  await Promise.all(byDevice(sc.cycle()).map((a) => p.acquisition(a)));
}

const isAcquisition = (r: JournalRecord): r is AcquisitionRecord => r.kind === 'acquisition';
const isEvent = (r: JournalRecord): r is EventRecord => r.kind === 'event';

function acquisitions(j: Journal): AcquisitionRecord[] {
  return j.range(1, 100_000).filter(isAcquisition);
}

/** What the checks decided, record by record: every channel with its flags, standard, verdicts and verified. */
const decisions = (records: AcquisitionRecord[]) => records.map((r) => ({ device: r.device, time: r.time, clock: r.clock, channels: r.channels }));

async function straight(): Promise<{ records: AcquisitionRecord[]; events: EventRecord[]; state: unknown }> {
  const sc = new Scenario(5 * MIN);
  const gw = open(join(root, 'straight.sqlite'), sc);
  for (let i = 0; i < N; i++) await step(gw.pipeline, sc, i);
  const all = gw.journal.range(1, 100_000);
  const state = gw.pipeline.engine.snapshot();
  await gw.journal.close();
  return { records: all.filter(isAcquisition), events: all.filter(isEvent), state };
}

describe('checks in front of the journal', async () => {
  const reference = await straight();

  it('runs the scenario through: every acquisition kept, the numbers as designed', () => {
    const { records, events } = reference;
    // One record per acquisition: the PTU's three channels in one record, each cycle.
    expect(records.filter((r) => r.device === 'ptu').every((r) => Object.keys(r.channels).sort().join() === 'humidity,pressure,temperature')).toBe(true);
    expect(records.filter((r) => r.device === 'ptu')).toHaveLength(N);
    expect(records.filter((r) => r.device === 'case')).toHaveLength(6);
    const dmm = records.filter((r) => r.device === 'dmm').flatMap((r) => readingsOf(r));
    expect(dmm).toHaveLength(N);
    // Readings outside the environment window are flagged and kept.
    const hot = dmm.filter((r) => r.flags.includes('env_out_of_window'));
    expect(hot).toHaveLength(6);
    for (const r of hot) {
      expect(r.value).not.toBeNull();
      expect(r.verified).toBe(false);
      expect(r.verdicts).toContainEqual(expect.objectContaining({ check: 'environment', result: 'fail' }));
    }
    const types = events.map((e) => `${e.event.type}${e.event.data?.cause ? `:${String(e.event.data.cause)}` : ''}`);
    expect(types).toEqual([
      'standard_transition:operator', // departure
      'transport_alarm', // 25 g
      'standard_transition:operator', // arrival
      'standard_settled',
      'standard_transition:evidence', // settling -> measuring
      'environment_excursion',
      'environment_excursion',
      'standard_alarms_resolved:operator',
      'transport_alarm', // thermistor step: power
      'standard_transition:evidence', // measuring -> settling
      'standard_settled',
      'standard_transition:evidence',
      'standard_alarms_resolved:operator',
      'step_detected',
    ]);
    const step = events.find((e) => e.event.type === 'step_detected')!.event;
    expect(step.data!.sign).toBe(1);
    expect(Math.abs((step.data!.size as number) - 2e-7) / 2e-7).toBeLessThan(0.2);
    expect(dmm.filter((r) => r.verified).length).toBeGreaterThan(60);
  });

  it.each([
    ['a clean stop', 135, 'checkpoint', 1000],
    ['a crash after an intermediate checkpoint', 135, 'crash', 25],
    ['a crash with no checkpoint at all', 75, 'none', 1000],
  ] as const)('a gateway restarted in the middle (%s) ends with the same verdicts', async (_name, at, mode, every) => {
    const path = join(root, `restart-${mode}.sqlite`);
    const sc = new Scenario(5 * MIN);
    let gw = open(path, sc, every);
    for (let i = 0; i < at; i++) await step(gw.pipeline, sc, i);
    if (mode === 'checkpoint') await gw.pipeline.close();
    await gw.journal.close();
    if (mode === 'none') rmSync(`${path}.checks.json`, { force: true });
    expect(existsSync(`${path}.checks.json`)).toBe(mode !== 'none');

    gw = open(path, sc, every);
    const restored = gw.pipeline.restore();
    expect(restored.from).toBe(mode === 'none' ? 'journal' : 'checkpoint');
    if (mode === 'checkpoint') expect(restored.replayed).toBe(0);
    if (mode === 'crash') expect(restored.replayed).toBeGreaterThan(0);
    for (let i = at; i < N; i++) await step(gw.pipeline, sc, i);

    const records = acquisitions(gw.journal);
    expect(decisions(records)).toEqual(decisions(reference.records));
    expect(gw.pipeline.engine.snapshot()).toEqual(reference.state);
    await gw.journal.close();
  });
});
