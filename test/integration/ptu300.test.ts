import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { Driver } from '../../src/core/driver.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { RawReading } from '../../src/core/types.js';
import { serialLinkConfig, tcpLinkConfig } from '../../src/links/config.js';
import { createLink } from '../../src/links/create.js';
import type { LineLink } from '../../src/links/types.js';
import { ptu300Config, vaisalaPtu300Driver } from '../../drivers/vaisala-ptu300/index.js';
import { World, worldConfig } from '../../simulators/physics/world.js';
import { vaisalaPtu300Simulator, type Ptu300Simulator } from '../../simulators/vaisala-ptu300/index.js';
import type { Endpoint } from '../../simulators/types.js';

const log = silentLogger();
const framing = { writeTerminator: 'CRLF', readTerminator: 'CRLF', reconnect: { initial: 50, max: 500 } } as const;
const world = new World(worldConfig.parse({}));
let dir: string;
let sim: Ptu300Simulator;
let endpoint: Endpoint;
const links: LineLink[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-ptu300-'));
  const listen = { tcp: { host: '127.0.0.1', port: 0 }, serial: { path: join(dir, 'ptu300') } };
  const cfg = vaisalaPtu300Simulator.config.parse({});
  sim = vaisalaPtu300Simulator.create(cfg, { world, clock: systemClock, log, listen }) as Ptu300Simulator;
  endpoint = await sim.start();
});

afterEach(async () => {
  sim.inject({ type: 'clear' });
  await Promise.all(links.splice(0).map((l) => l.close()));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Via = 'tcp' | 'serial';

/** A link to the simulator and a driver on it, used the way acquisition uses them. */
async function device(via: Via, options: Record<string, unknown> = {}) {
  const cfg =
    via === 'tcp'
      ? tcpLinkConfig.parse({ id: 'ptu-tcp', type: 'tcp', ...endpoint.tcp, ...framing })
      : serialLinkConfig.parse({
          id: 'ptu-serial',
          type: 'serial',
          path: endpoint.serialPath,
          baudRate: 4800,
          dataBits: 7,
          parity: 'even',
          stopBits: 1,
          ...framing,
        });
  const link = createLink(cfg, { clock: systemClock, log }) as LineLink;
  links.push(link);
  link.start();
  await link.waitConnected(5000);
  const errors: { code: string; detail: string }[] = [];
  const driver: Driver = vaisalaPtu300Driver.create(ptu300Config.parse(options), {
    link,
    log,
    clock: systemClock,
    timeoutMs: 500,
    reportError: (code, detail) => errors.push({ code, detail }),
  });
  const signal = new AbortController().signal;
  return {
    link,
    driver,
    errors,
    // The driver takes the link's lock for each transaction itself (the lock is not re-entrant).
    connect: () => driver.connect(signal),
    read: () => driver.read!(signal),
  };
}

/** Asserts the three default channels, their units and values close to the simulated lab's air. */
function expectLabAir(readings: RawReading[]): void {
  expect(readings.map((r) => [r.channel, r.quantity, r.unit])).toEqual([
    ['humidity', 'humidity', '%RH'],
    ['temperature', 'temperature', '°C'],
    ['pressure', 'pressure', 'hPa'],
  ]);
  const lab = world.lab.conditions(readings[0]!.time!);
  // Tolerances: the display rounding (0.05) plus six standard deviations of the simulated noise.
  expect(Math.abs(readings[0]!.value! - lab.humidity)).toBeLessThan(0.35);
  expect(Math.abs(readings[1]!.value! - lab.temperature)).toBeLessThan(0.07);
  expect(Math.abs(readings[2]!.value! - lab.pressure)).toBeLessThan(0.2);
  for (const r of readings) expect(r.flags ?? []).toEqual([]);
}

function expectFlagged(readings: RawReading[], flag: string): void {
  expect(readings).toHaveLength(3);
  for (const r of readings) {
    expect(r.value).toBeNull();
    expect(r.flags).toEqual([flag]);
  }
}

describe.each<Via>(['tcp', 'serial'])('PTU300 polled over %s', (via) => {
  it('reads the lab air with units, stamped at the query midpoint, and identifies itself on request', async () => {
    const d = await device(via, { identify: true });
    expect(await d.connect()).toEqual({ manufacturer: 'Vaisala', model: 'PTU300', serial: 'K1234567', firmware: '3.10' });
    const before = Date.now();
    const readings = await d.read();
    const after = Date.now();
    expectLabAir(readings);
    for (const r of readings) {
      expect(r.time).toBeGreaterThanOrEqual(before);
      expect(r.time).toBeLessThanOrEqual(after);
    }
    expect(d.errors).toEqual([]);
  });

  it('throws TG_LINK_TIMEOUT when the device does not answer, then reads again', async () => {
    const d = await device(via);
    expect(await d.connect()).toBeNull();
    sim.inject({ type: 'no_reply', count: 1 });
    const err = await d.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TgError);
    expect((err as TgError).code).toBe('TG_LINK_TIMEOUT');
    expectLabAir(await d.read());
  });
});

describe('PTU300 polled line faults over tcp', () => {
  it('flags garbled and torn lines parse_error, counts them, and recovers on the next read', async () => {
    const d = await device('tcp');
    await d.connect();
    sim.inject({ type: 'garbled', count: 2 });
    expectFlagged(await d.read(), 'parse_error'); // a digit turned into '#'
    expectFlagged(await d.read(), 'parse_error'); // binary junk
    sim.inject({ type: 'torn', count: 1 });
    expectFlagged(await d.read(), 'parse_error'); // the tail of a line
    expectLabAir(await d.read());
    sim.inject({ type: 'torn', count: 1, part: 'head' });
    expectFlagged(await d.read(), 'parse_error'); // half a line run into the next
    expectLabAir(await d.read());
    expect(d.errors.map((e) => e.code)).toEqual(Array(4).fill('TG_PARSE_ERROR'));
  });

  it('flags a failed humidity sensor (stars) unavailable and keeps T and P', async () => {
    const d = await device('tcp');
    await d.connect();
    sim.inject({ type: 'sensor_fail' });
    const [rh, t, p] = await d.read();
    expect(rh).toMatchObject({ channel: 'humidity', value: null, flags: ['unavailable'] });
    expect(t!.value).toBeTypeOf('number');
    expect(p!.value).toBeTypeOf('number');
    sim.inject({ type: 'clear' });
    expectLabAir(await d.read());
    expect(d.errors).toEqual([]);
  });
});

describe.each<Via>(['tcp', 'serial'])('PTU300 streaming over %s', (via) => {
  it('streams one acquisition per line stamped on arrival, skips and counts damaged lines, and stops output on abort', async () => {
    const d = await device(via, { mode: 'streaming', intervalSeconds: 0 });
    expect(d.driver.read).toBeUndefined();
    expect(await d.connect()).toBeNull();
    await vi.waitFor(() => expect(sim.continuousSessions).toBe(1), { timeout: 5000 });

    const lines: RawReading[][] = [];
    const ac = new AbortController();
    const done = d.driver.stream!((readings) => lines.push(readings), ac.signal);
    await vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    sim.inject({ type: 'garbled', count: 1 });
    sim.inject({ type: 'torn', count: 1 });
    await vi.waitFor(() => expect(d.errors).toHaveLength(2), { timeout: 5000 });
    const afterFaults = lines.length;
    await vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(afterFaults + 2), { timeout: 5000 });
    ac.abort();
    await expect(done).resolves.toBeUndefined();
    await vi.waitFor(() => expect(sim.continuousSessions).toBe(0), { timeout: 5000 });

    expect(d.errors.map((e) => e.code)).toEqual(['TG_PARSE_ERROR', 'TG_PARSE_ERROR']);
    // Whole lines only, each one acquisition of the three channels: every damaged line was skipped.
    for (const line of lines) {
      expectLabAir(line);
      expect(new Set(line.map((r) => r.time)).size).toBe(1); // one arrival time per line
    }
    for (let i = 1; i < lines.length; i++) expect(lines[i]![0]!.time!).toBeGreaterThanOrEqual(lines[i - 1]![0]!.time!);
  });
});

describe('PTU300 reconnect over the pty', () => {
  it('reconnects by itself after the serial path went away and came back, and polls again', async () => {
    const d = await device('serial');
    await d.connect();
    expectLabAir(await d.read());
    const generation = d.link.generation;
    sim.inject({ type: 'disconnect', downMs: 200 });
    await vi.waitFor(() => expect(d.link.generation).toBeGreaterThan(generation), { timeout: 10_000, interval: 50 });
    expect(d.link.status().reconnects).toBeGreaterThanOrEqual(1);
    // The first line after a reconnect may be torn; acquisition simply polls again.
    const readings = await vi.waitFor(
      async () => {
        const r = await d.read();
        expect(r[0]!.flags ?? []).toEqual([]);
        return r;
      },
      { timeout: 5000, interval: 50 },
    );
    expectLabAir(readings);
  });
});
