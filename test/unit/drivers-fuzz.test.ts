/**
 * Fuzzing every registered driver through its public entry (issue 12): each row of the driver
 * contract (drivers/<kind>/test/contract.ts, discovered) gives a driver, its simulator and its
 * options; the driver is made by its registered definition, exactly as acquisition makes it, on
 * a link over in-memory streams.
 *
 * Line drivers: a clean session with the real simulator (over loopback TCP) is recorded once:
 * every command the driver sends and the reply lines it got. Then a replaying device answers from
 * the recording, and for each case some replies are mutated (noise, torn and over-long lines,
 * NULs, wrong terminators, replies dropped or doubled) for one cycle of a driver with a 2 ms
 * timeout. That cycle must end (readings, null values flagged; or a TgError), never crash; the
 * next cycle, answered cleanly, must read every channel with a finite value and no flag.
 * Modbus drivers: a unit answering with the mutations of test/helpers/fuzz.ts, over RTU and TCP
 * framing, then correctly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { FakeClock, systemClock, type Clock } from '../../src/core/clock.js';
import type { Driver, DriverDefinition } from '../../src/core/driver.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { RawReading } from '../../src/core/types.js';
import { TERMINATOR_TEXT, type Terminator } from '../../src/links/config.js';
import type { Link } from '../../src/links/types.js';
import { registry } from '../../src/registry.js';
import { SimulatorHost } from '../../simulators/host.js';
import { discoverContractCases, renderConfig, type ContractCase } from '../contract/harness.js';
import { chunked, FuzzTally, hostileUnit, lineGarbage, mutation } from '../helpers/fuzz.js';
import { MemoryLineLink, memoryModbusLink } from '../helpers/memory-links.js';
import type { Framing } from '../helpers/modbus-frames.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(10, Math.round(n * SCALE));
const BAD_TIMEOUT_MS = 2;
const TEST_TIMEOUT_MS = 600_000;
const GOOD_TIMEOUT_MS = 10_000;

const CASES = await discoverContractCases();
const kindOf = (row: ContractCase) => registry.drivers.find((d) => d.kind === row.driver)?.linkKind;
const signal = new AbortController().signal;

function makeDriver(row: ContractCase, options: unknown, link: Link, timeoutMs: number, clock: Clock = systemClock): Driver {
  const def = registry.drivers.find((d) => d.kind === row.driver) as DriverDefinition;
  const errors: string[] = [];
  return (def.create as (c: unknown, d: object) => Driver)(options, {
    link,
    log: silentLogger(),
    clock,
    timeoutMs,
    reportError: (code: string) => errors.push(code),
  });
}

/** A cycle that failed as a whole must fail with a TgError; one that read must flag every null. */
async function survives(cycle: Promise<RawReading[]>): Promise<string> {
  try {
    const readings = await cycle;
    for (const r of readings) {
      if (r.value === null) expect(r.flags?.length ?? 0, `${r.channel}: a null value carries a flag`).toBeGreaterThan(0);
      else expect(typeof r.value).toBe('number');
    }
    return 'read';
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(TgError);
    return (err as TgError).code;
  }
}

const BAD_FLAGS = ['timeout', 'parse_error', 'device_error'];
function expectGood(readings: RawReading[], channels: number): void {
  expect(readings.length).toBe(channels);
  for (const r of readings) {
    expect((r.flags ?? []).filter((f) => BAD_FLAGS.includes(f)), `${r.channel} flags`).toEqual([]);
    expect(r.value === null || Number.isFinite(r.value), `${r.channel} value`).toBe(true);
  }
}

/** The link type a row's configuration gives (its TCP variant). */
function linkTypeOf(row: ContractCase): string | undefined {
  const parsed = parseConfig(renderConfig(row, 'tcp', tmpdir()), registry, {});
  return parsed.ok ? parsed.config.links[0]?.type : undefined;
}
// Plain line links only: a driver on a link with a protocol of its own (the Prologix adapter's)
// needs that link's class, which owns part of the conversation.
const lineRows = CASES.filter((r) => kindOf(r) === 'line' && linkTypeOf(r) === 'tcp');
const registerRows = CASES.filter((r) => kindOf(r) === 'registers');

// ---------------------------------------------------------------------------------------------

describe.each(lineRows.map((r) => [r.name, r] as const))('line driver fuzz: %s', (_, row) => {
  let dir: string;
  let link: MemoryLineLink;
  let replay: Replay;
  let bad: Driver;
  let good: Driver;
  const tally = new FuzzTally();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-'));
    const parsed = parseConfig(renderConfig(row, 'tcp', dir), registry, {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { config } = parsed;
    const device = config.devices[0]!;
    const linkCfg = config.links[0] as { type: string; writeTerminator: Terminator; readTerminator: Terminator };
    const recording = await record(row, config, device.options, linkCfg);
    replay = new Replay(recording, TERMINATOR_TEXT[linkCfg.writeTerminator], TERMINATOR_TEXT[linkCfg.readTerminator]);
    link = new MemoryLineLink({ type: linkCfg.type, writeTerminator: linkCfg.writeTerminator, readTerminator: linkCfg.readTerminator });
    link.ends.onConnect = (end) => replay.attach(end);
    link.start();
    await link.waitConnected(5000);
    bad = makeDriver(row, device.options, link, BAD_TIMEOUT_MS);
    good = makeDriver(row, device.options, link, GOOD_TIMEOUT_MS);
    await good.connect(signal);
    await bad.connect(signal);
    expectGood(await good.read!(signal), row.channels.length);
  }, 30_000);

  afterAll(async () => {
    await link?.close();
    rmSync(dir, { recursive: true, force: true });
    console.info(`${row.name} driver fuzz: ${tally}`);
  });

  it('a cycle answered with hostile replies ends without a crash, and the next cycle reads cleanly', async () => {
    const badReply = fc.oneof(
      { weight: 3, arbitrary: lineGarbage.map((g) => ({ kind: 'garbage' as const, bytes: g })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'twice' as const }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.integer({ min: 0, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(badReply, { nil: undefined }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 4 }), async (plan, cuts) => {
        replay.hostile = plan;
        replay.cuts = cuts;
        tally.runs++;
        tally.inputs += plan.filter((p) => p !== undefined).length;
        const outcome = await survives(bad.read!(signal));
        tally.note(outcome);
        replay.hostile = [];
        expectGood(await good.read!(signal), row.channels.length);
      }),
      { numRuns: runs(1_500) },
    );
  }, TEST_TIMEOUT_MS);
});

type Hostile =
  | { kind: 'garbage'; bytes: Buffer }
  | { kind: 'drop' }
  | { kind: 'twice' }
  | { kind: 'flip'; at: number; to: number }
  | { kind: 'cut'; keep: number };

/** Commands and the reply lines each got, from a clean session with the simulator. */
type Recording = Map<string, string[]>;

/** Drives connect() and three cycles against the real simulator through a recording proxy. */
async function record(row: ContractCase, config: import('../../src/config/schema.js').Config, options: unknown, framing: { type: string; writeTerminator: Terminator; readTerminator: Terminator }): Promise<Recording> {
  // As the contract rig does: a simulator that measures on its own schedule runs on a fake clock
  // advanced before every cycle, so that each recorded cycle has a new measurement.
  const fake = row.samplePeriodMs !== undefined ? new FakeClock(Date.UTC(2026, 5, 1)) : undefined;
  const clock = fake ?? systemClock;
  const host = new SimulatorHost(registry.simulators, config.world, { clock, log: silentLogger() });
  await host.start(config.simulators);
  const endpoint = host.get('sim')!.endpoint.tcp!;
  const recording: Recording = new Map();
  const link = new MemoryLineLink({ type: framing.type, writeTerminator: framing.writeTerminator, readTerminator: framing.readTerminator });
  const sockets: Socket[] = [];
  link.ends.onConnect = (end) => {
    const socket = connect(endpoint.port, endpoint.host);
    sockets.push(socket);
    socket.on('error', () => undefined);
    const w = TERMINATOR_TEXT[framing.writeTerminator];
    const r = TERMINATOR_TEXT[framing.readTerminator];
    let last: string | undefined;
    let commands = '';
    let replies = '';
    end.on('data', (chunk: Buffer) => {
      commands += chunk.toString('latin1');
      for (let i = commands.indexOf(w); i >= 0; i = commands.indexOf(w)) {
        last = commands.slice(0, i);
        commands = commands.slice(i + w.length);
        if (!recording.has(last)) recording.set(last, []);
        else recording.set(last, []); // the latest clean exchange wins
        socket.write(last + w, 'latin1');
      }
    });
    socket.on('data', (chunk: Buffer) => {
      replies += chunk.toString('latin1');
      for (let i = replies.indexOf(r); i >= 0; i = replies.indexOf(r)) {
        const line = replies.slice(0, i);
        replies = replies.slice(i + r.length);
        if (last !== undefined) recording.get(last)!.push(line);
        end.write(line + r, 'latin1');
      }
    });
  };
  try {
    link.start();
    await link.waitConnected(5000);
    const driver = makeDriver(row, options, link, 5000, clock);
    await driver.connect(signal);
    for (let i = 0; i < 3; i++) {
      fake?.advance(row.samplePeriodMs!);
      expectGood(await driver.read!(signal), row.channels.length);
    }
  } finally {
    await link.close();
    for (const s of sockets) s.destroy();
    await host.stop();
  }
  return recording;
}

/** Answers each command from the recording, the first ones of a cycle as `hostile` says. */
class Replay {
  hostile: (Hostile | undefined)[] = [];
  cuts: number[] = [];

  constructor(
    private readonly recording: Recording,
    private readonly write: string,
    private readonly read: string,
  ) {}

  attach(end: Duplex): void {
    let buffer = '';
    end.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let i = buffer.indexOf(this.write); i >= 0; i = buffer.indexOf(this.write)) {
        const command = buffer.slice(0, i);
        buffer = buffer.slice(i + this.write.length);
        const lines = this.recording.get(command);
        if (lines === undefined) continue; // not a command of a clean session: no answer
        const clean = Buffer.from(lines.map((l) => l + this.read).join(''), 'latin1');
        const h = this.hostile.shift();
        for (const c of chunked(h ? spoil(clean, h) : clean, h ? this.cuts : [])) end.write(c);
      }
    });
  }
}

function spoil(clean: Buffer, h: Hostile): Buffer {
  switch (h.kind) {
    case 'garbage':
      return h.bytes;
    case 'drop':
      return Buffer.alloc(0);
    case 'twice':
      return Buffer.concat([clean, clean]);
    case 'flip': {
      if (clean.length === 0) return Buffer.from([h.to]);
      const b = Buffer.from(clean);
      b[h.at % b.length] = h.to;
      return b;
    }
    case 'cut':
      return clean.subarray(0, clean.length === 0 ? 0 : h.keep % clean.length);
  }
}

// ---------------------------------------------------------------------------------------------

const registerCases = registerRows.flatMap((row) => (['tcp', 'rtu'] as Framing[]).map((framing) => [`${row.name} over ${framing}`, row, framing] as const));

describe.each(registerCases)('register driver fuzz: %s', (_, row, framing) => {
  let made: ReturnType<typeof memoryModbusLink>;
  let script: ReturnType<typeof hostileUnit>;
  let bad: Driver;
  let good: Driver;
  let dir: string;
  const tally = new FuzzTally();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-'));
    const parsed = parseConfig(renderConfig(row, 'tcp', dir), registry, {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const options = parsed.config.devices[0]!.options;
    made = memoryModbusLink(framing);
    script = hostileUnit(framing, made.ends);
    made.link.start();
    await made.link.waitConnected(5000);
    bad = makeDriver(row, options, made.link, BAD_TIMEOUT_MS);
    good = makeDriver(row, options, made.link, GOOD_TIMEOUT_MS);
    await bad.connect(signal);
    await good.connect(signal);
    expectGood(await good.read!(signal), row.channels.length);
  });

  afterAll(async () => {
    await made?.link.close();
    rmSync(dir, { recursive: true, force: true });
    console.info(`${row.name} over ${framing} driver fuzz: ${tally}`);
  });

  it('a cycle answered with hostile frames ends without a crash, and the next cycle reads cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ mutation, cuts: fc.array(fc.nat(), { maxLength: 4 }) }), { minLength: 1, maxLength: 3 }), async (steps) => {
        script.push(...steps);
        tally.runs++;
        tally.inputs += steps.length;
        const outcome = await survives(bad.read!(signal));
        tally.note(outcome);
        script.length = 0;
        expectGood(await good.read!(signal), row.channels.length);
      }),
      { numRuns: runs(1_000) },
    );
  }, TEST_TIMEOUT_MS);
});
