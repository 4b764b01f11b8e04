/**
 * Live and replayed verdicts are equal (issue 11). Acquisitions take the real path — scripted
 * drivers under DeviceLoops (a DeviceRunner per device, with a clock-step detector and a clock-sync
 * provider) → CheckPipeline → a real Journal on a temporary file — over a recorded run (replayed
 * time) whose acquisitions carry every quality flag: the drivers' own (timeout, parse_error,
 * overrange, unavailable, device_error), those acquisition decides (identity_mismatch after a
 * reconnect to the wrong instrument, clock_step when the wall clock steps mid-query, parse_error
 * for a non-finite value, clock_unsynced while the clock-sync provider says 'no') and those the
 * checks set (settling, env_out_of_window, transport_shock). The gateway is restarted in the
 * middle (closed and reopened, the checks restored from their checkpoint or from the journal).
 *
 * Then a fresh engine judges the journal's acquisitions again (annotations and check flags taken
 * off first): every channel's flags, standard, verdicts and verified must equal what the live
 * checks stored, and so must the events they raised. The old journal added clock_unsynced after the
 * checks had run, so readings taken while the clock was unsynchronised had no quality verdict live
 * and `quality fail` after a replay; here that flag is decided before the checks see the reading.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeviceLoops } from '../../src/acquisition/device-loops.js';
import { CHECK_FLAGS, CheckEngine, CheckPipeline, CheckpointFile } from '../../src/checks/index.js';
import { ClockStepDetector } from '../../src/core/clock-step.js';
import type { Driver, LineDriverDefinition } from '../../src/core/driver.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { readingsOf } from '../../src/core/records.js';
import {
  QUALITY_FLAGS,
  type Acquisition,
  type AcquisitionRecord,
  type ChannelReading,
  type ClockSyncState,
  type GatewayEvent,
  type JournalRecord,
  type QualityFlag,
  type RawReading,
} from '../../src/core/types.js';
import type { DeviceConfig } from '../../src/config/schema.js';
import { Journal } from '../../src/journal/index.js';
import type { Link } from '../../src/links/types.js';
import { MIN, Scenario, testStandard } from '../unit/checks/scenario.js';
import { connectedLink } from '../helpers/connected-link.js';

const N = 150;
const RESTART_AT = 100;
const root = mkdtempSync(join(tmpdir(), 'tg-checks-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CALM: Record<string, number> = { peak_x: 0.02, peak_y: 0.03, peak_z: 1.0, tilt: 1, case_temperature: 18, case_humidity: 40, external_power: 1 };
const DEVICES = ['dmm', 'ptu', 'ohm', 'case'] as const;
/** The dmm answers as another instrument after the reconnect at cycle 23, until the next one at 27. */
const WRONG_IDENTITY = { from: 23, to: 26 };
/** Cycles whose polls see an unsynchronised clock: five readings of a settled standard, and two after the restart. */
const UNSYNCED = new Set([80, 81, 82, 83, 84, 112, 113]);

const standard = testStandard({ initialState: 'measuring', settling: { time: 10 * MIN, window: 5 * MIN, maxThermistorSpread: 0.001 } });

/** The recorded run: the physics of the scenario and the faults, by cycle. */
class Run {
  readonly sc = new Scenario(MIN);
  /** The cycle being polled. */
  cycle = 0;
  /** Reads done (answered, empty or failed) per cycle and device. */
  readonly reads = new Map<string, number>();

  get clock() {
    return this.sc.clock;
  }

  sync(): ClockSyncState {
    if (this.cycle < 3) return 'unknown';
    return UNSYNCED.has(this.cycle) ? 'no' : 'yes';
  }

  /** What the device gives at the current cycle (a thrown TgError: the cycle failed as a whole). */
  read(device: string): RawReading[] {
    const i = this.cycle;
    const k = `${i}:${device}`;
    this.reads.set(k, (this.reads.get(k) ?? 0) + 1);
    const t = this.clock.now();
    const sc = this.sc;
    const r = (channel: string, quantity: string, value: number | null, unit: string, flags?: QualityFlag[]): RawReading => ({
      channel,
      quantity,
      value,
      unit,
      ...(flags ? { flags } : {}),
    });
    if (device === 'ptu') {
      const air = sc.world.lab.conditions(t, sc.world.random);
      return [
        i === 20 ? r('temperature', 'temperature', Number.NaN, '°C') : r('temperature', 'temperature', air.temperature, '°C'),
        i === 18 ? r('humidity', 'humidity', null, '%RH', ['unavailable']) : r('humidity', 'humidity', air.humidity, '%RH'),
        r('pressure', 'pressure', air.pressure, 'hPa'),
      ];
    }
    if (device === 'ohm') return [i === 18 ? r('fres', 'resistance', null, 'Ω', ['timeout']) : r('fres', 'resistance', sc.zener.thermistor(sc.world.random), 'Ω')];
    if (device === 'case') {
      // The transport logger reports during the trip only (an empty cycle is no acquisition).
      if (i < 30 || i > 35) return [];
      const values = i === 32 ? { ...CALM, peak_z: 3.1 } : i === 34 ? { ...CALM, peak_x: 25 } : CALM;
      return Object.entries(values).map(([ch, v]) => r(ch, ch, v, ''));
    }
    // dmm
    if (i === 22 || i === 26 || i === 130) throw new TgError('TG_LINK_TIMEOUT', 'scripted');
    if (i === 28) this.clock.stepWall(20_000); // an NTP step while the query is on the wire
    const air = sc.world.lab.conditions(t, sc.world.random);
    const v = sc.zener.value(t, air.temperature, sc.world.random);
    if (i === 10 || i === 110) return [r('dcv', 'voltage', null, 'V', ['timeout'])];
    if (i === 12) return [r('dcv', 'voltage', Number.NaN, 'V')]; // acquisition makes it null + parse_error
    if (i === 14) return [r('dcv', 'voltage', v, 'V', ['overrange'])];
    if (i === 16) return [r('dcv', 'voltage', null, 'V', ['device_error'])];
    return [r('dcv', 'voltage', v, 'V')];
  }

  done(cycle: number): boolean {
    return DEVICES.every((d) => (this.reads.get(`${cycle}:${d}`) ?? 0) >= 1);
  }
}

function scripted(run: Run): LineDriverDefinition {
  return {
    kind: 'scripted',
    description: 'the recorded run',
    linkKind: 'line',
    config: z.object({ name: z.string() }),
    create: (cfg: { name: string }): Driver => ({
      connect: async () => {
        if (cfg.name !== 'dmm') return null;
        const wrong = run.cycle >= WRONG_IDENTITY.from && run.cycle <= WRONG_IDENTITY.to;
        return { manufacturer: 'Keysight Technologies', model: '34465A', serial: wrong ? 'MY999' : 'MY123' };
      },
      read: async () => run.read(cfg.name),
      close: async () => undefined,
    }),
  };
}

interface Gateway {
  journal: Journal;
  engine: CheckEngine;
  pipeline: CheckPipeline;
  loops: DeviceLoops;
}

function open(path: string, run: Run, checkpointEvery: number): Gateway {
  const clock = run.clock;
  const clockSync = { state: () => run.sync() };
  const journal = Journal.open({ path, gateway: 'gw', lab: 'LAB', clock, commitIntervalMs: 0, log: silentLogger(), synchronous: 'NORMAL', clockSync });
  const engine = new CheckEngine([standard]);
  const pipeline = new CheckPipeline(engine, journal, { clock, log: silentLogger(), checkpoint: new CheckpointFile(`${path}.checks.json`), checkpointEvery });
  const devices: DeviceConfig[] = DEVICES.map((id) => ({
    id,
    driver: 'scripted',
    link: `${id}-link`,
    interval: MIN,
    timeout: 1000,
    enabled: true,
    options: { name: id },
    ...(id === 'dmm' ? { identity: { model: '34465A', serial: 'MY123' } } : {}),
  }));
  const loops = new DeviceLoops(devices, {
    drivers: [scripted(run)],
    links: new Map<string, Link>(devices.map((d) => [d.link, connectedLink(d.link)])),
    clock,
    log: silentLogger(),
    output: pipeline,
    clockStep: new ClockStepDetector(clock, { marginMs: 0 }),
    clockSync,
  });
  return { journal, engine, pipeline, loops };
}

/** Operator actions of cycle i (before its polls), then the polls of cycle i, judged and queued. */
async function cycle(gw: Gateway, run: Run, i: number): Promise<void> {
  const act = async (r: Promise<{ ok: boolean }>) => expect((await r).ok).toBe(true);
  if (i === 30) await act(gw.pipeline.transition('Z1', 'in_transit', 'courier', 'alice'));
  if (i === 36) await act(gw.pipeline.transition('Z1', 'settling', undefined, 'alice'));
  if (i === 70) await act(gw.pipeline.resolveAlarms('Z1', 'drop checked', 'bob'));
  run.sc.world.lab.offset.temperature = i >= 45 && i < 51 ? 2 : 0;
  if (i === 120) run.sc.zener.injectStep(2e-7);
  run.cycle = i;
  if (i > 0) run.clock.advance(MIN); // wakes every device loop (and one backing off after a failed read)
  await vi.waitFor(() => expect(run.done(i)).toBe(true), { timeout: 10_000, interval: 1 });
  // Judging and queueing follow the driver's answer in microtasks; let them all run.
  await new Promise((r) => setImmediate(r));
}

/** An acquisition as acquisition gave it: the checks' annotations and flags taken off. */
function unjudged(rec: AcquisitionRecord): Acquisition {
  const channels: Record<string, ChannelReading> = {};
  for (const [name, c] of Object.entries(rec.channels)) {
    const { standard: _s, verdicts: _v, verified: _f, flags, ...rest } = c;
    const own = (flags ?? []).filter((f) => !CHECK_FLAGS.has(f));
    channels[name] = own.length > 0 ? { ...rest, flags: own } : rest;
  }
  return { device: rec.device, time: rec.time, clock: rec.clock, channels };
}

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The checks' own events (not the operator's, not the devices'). */
const derived = (e: GatewayEvent) => e.standard !== undefined && e.data?.cause !== 'operator';

describe('live and replayed verdicts', () => {
  it.each([
    ['a clean stop (checkpoint at the head)', 'checkpoint', 1000],
    ['a crash after an intermediate checkpoint', 'crash', 25],
    ['no checkpoint (restored from the whole journal)', 'none', 1000],
  ] as const)(
    'are equal over a recorded run with every quality flag and a restart in the middle: %s',
    async (_name, mode, every) => {
      const path = join(root, `${mode}.sqlite`);
      const run = new Run();
      let gw = open(path, run, every);
      gw.loops.start();
      for (let i = 0; i < RESTART_AT; i++) await cycle(gw, run, i);

      // The restart.
      await gw.loops.stop();
      if (mode === 'checkpoint') await gw.pipeline.close();
      await gw.journal.flush();
      const restartSeq = gw.journal.lastSeq;
      await gw.journal.close();
      if (mode === 'none') rmSync(`${path}.checks.json`, { force: true });
      expect(existsSync(`${path}.checks.json`)).toBe(mode !== 'none');
      gw = open(path, run, every);
      const restored = gw.pipeline.restore();
      expect(restored.from).toBe(mode === 'none' ? 'journal' : 'checkpoint');
      if (mode === 'checkpoint') expect(restored.replayed).toBe(0);
      else expect(restored.replayed).toBeGreaterThan(0);
      gw.loops.start();
      for (let i = RESTART_AT; i < N; i++) await cycle(gw, run, i);
      await gw.loops.stop();
      await gw.pipeline.close();
      const live = gw.engine.snapshot();
      const records: JournalRecord[] = gw.journal.range(1, 1_000_000);
      await gw.journal.close();

      const acquisitions = records.filter((r): r is AcquisitionRecord => r.kind === 'acquisition');
      // The run is what it should be: every device polled every cycle (the dmm's three failed polls
      // and the case logger's silent ones aside), and every quality flag occurs.
      const count = (d: string) => acquisitions.filter((r) => r.device === d).length;
      expect([count('dmm'), count('ptu'), count('ohm'), count('case')]).toEqual([N - 3, N, N, 6]);
      const flags = new Set(acquisitions.flatMap((r) => Object.values(r.channels).flatMap((c) => c.flags ?? [])));
      expect([...flags].sort()).toEqual([...QUALITY_FLAGS].sort());

      const dmm = acquisitions.filter((r) => r.device === 'dmm').flatMap((r) => readingsOf(r));
      const at = (flag: QualityFlag) => dmm.filter((r) => r.flags.includes(flag));
      // Decided by acquisition, before the checks: the readings taken while the clock was not
      // synchronised carry the flag and failed the quality check live (they are not verified).
      expect(at('clock_unsynced')).toHaveLength(UNSYNCED.size);
      for (const r of at('clock_unsynced')) {
        expect(r.verdicts).toContainEqual({ check: 'quality', result: 'fail', detail: 'clock_unsynced' });
        expect(r.verified).toBe(false);
      }
      expect(acquisitions.filter((r) => r.clock === 'no')).toHaveLength(UNSYNCED.size * 3); // dmm, ptu, ohm
      expect(at('identity_mismatch')).toHaveLength(WRONG_IDENTITY.to - WRONG_IDENTITY.from);
      expect(at('clock_step')).toHaveLength(1);
      expect(at('parse_error')).toHaveLength(1);
      // Verified readings on both sides of the restart.
      expect(dmm.filter((r) => r.verified === true && r.seq <= restartSeq).length).toBeGreaterThan(10);
      expect(dmm.filter((r) => r.verified === true && r.seq > restartSeq).length).toBeGreaterThan(10);

      // A fresh engine judges the journal again, record by record, in seq order.
      const fresh = new CheckEngine([standard]);
      const replayedEvents: GatewayEvent[] = [];
      let judged = 0;
      for (const rec of records) {
        if (rec.kind !== 'acquisition') {
          fresh.replay(rec); // operator actions where they are in the sequence
          continue;
        }
        const res = fresh.process(unjudged(rec));
        expect({ seq: rec.seq, channels: json(res.acquisition.channels) }).toEqual({ seq: rec.seq, channels: rec.channels });
        replayedEvents.push(...res.events);
        if (res.judged) judged++;
      }
      expect(judged).toBeGreaterThan(3 * N - 10);
      const liveEvents = records.flatMap((r) => (r.kind === 'event' && derived(r.event) ? [r.event] : []));
      expect(liveEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['transport_alarm', 'standard_settled', 'environment_excursion', 'step_detected']));
      expect(json(replayedEvents.filter(derived))).toEqual(liveEvents);
      // And the engine that replays the records as they are (what restore does) ends where the live one did.
      const replayer = new CheckEngine([standard]);
      for (const rec of records) replayer.replay(rec);
      expect(replayer.snapshot()).toEqual(live);
      expect(fresh.snapshot()).toEqual(live);
    },
    120_000,
  );
});
