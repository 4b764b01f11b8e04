import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scpiDriver } from '../index.js';
import { scpiDmmSimulator, type ScpiDmmSimulator } from '../../../simulators/scpi-dmm/index.js';
import { World, worldConfig } from '../../../simulators/physics/world.js';
import { createLink, serialLinkConfig, tcpLinkConfig, type LineLink, systemClock, silentLogger, TgError, type Driver } from '../../../test/helpers/instrument-rig.js';

const TIMEOUT_MS = 300;
const RECONNECT = { initial: 50, max: 500 };
const signal = new AbortController().signal;

/** Polls until `predicate` holds; fails the test after `ms`. */
async function waitFor(what: string, predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(['tcp', 'serial'] as const)('SCPI driver over %s against the scpi-dmm simulator', (transport) => {
  let dir: string;
  let sim: ScpiDmmSimulator;
  let link: LineLink;
  let serialPath: string;
  const errors: [string, string][] = [];

  function driver(options: Record<string, unknown> = {}): Driver {
    return scpiDriver.create(scpiDriver.config.parse(options), {
      link,
      log: silentLogger(),
      clock: systemClock,
      timeoutMs: TIMEOUT_MS,
      reportError: (code, detail) => errors.push([code, detail]),
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-scpi-'));
    serialPath = join(dir, 'dmm');
    const world = new World(worldConfig.parse({ standards: [{ id: 'z1' }] }));
    const listen = transport === 'tcp' ? { tcp: { host: '127.0.0.1', port: 0 } } : { serial: { path: serialPath } };
    sim = scpiDmmSimulator.create(scpiDmmSimulator.config.parse({ standard: 'z1' }), {
      world,
      clock: systemClock,
      log: silentLogger(),
      listen,
    }) as ScpiDmmSimulator;
    const endpoint = await sim.start();
    const cfg =
      transport === 'tcp'
        ? tcpLinkConfig.parse({ id: 'dmm', type: 'tcp', ...endpoint.tcp, reconnect: RECONNECT })
        : serialLinkConfig.parse({ id: 'dmm', type: 'serial', path: endpoint.serialPath, reconnect: RECONNECT });
    link = createLink(cfg, { clock: systemClock, log: silentLogger() }) as LineLink;
    link.start();
    await link.waitConnected(5000);
  });

  afterEach(() => {
    sim.inject({ type: 'clear' });
    errors.length = 0;
  });

  afterAll(async () => {
    await link?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the identity *IDN? reports and sends the setup without instrument errors', async () => {
    const identity = await driver().connect(signal);
    expect(identity).toEqual({
      manufacturer: 'Keysight Technologies',
      model: '34465A',
      serial: 'MY59001234',
      firmware: 'A.03.01-03.15-03.01-00.52-03-02',
    });
    expect(errors).toEqual([]);
  });

  it('reads a value near 10 V time-stamped between request and reply, with its uncertainty', async () => {
    const dmm = driver({ uncertainty: { relative: 4e-6, absolute: 1e-6 } });
    await dmm.connect(signal);
    const before = Date.now();
    const [reading] = await dmm.read!(signal);
    const after = Date.now();
    expect(reading).toMatchObject({ channel: 'dcv', quantity: 'voltage', unit: 'V' });
    expect(reading!.value).toBeCloseTo(10, 3);
    expect(reading!.flags ?? []).toEqual([]);
    expect(reading!.time).toBeGreaterThanOrEqual(before);
    expect(reading!.time).toBeLessThanOrEqual(after);
    expect(reading!.u).toBeCloseTo(Math.hypot(4e-6 * reading!.value!, 1e-6), 12);
  });

  it('works with the Keithley 2182A preset and its command forms', async () => {
    const nv = driver({ preset: 'keithley-2182a' });
    await nv.connect(signal);
    const [reading] = await nv.read!(signal);
    expect(reading).toMatchObject({ channel: 'ch1' });
    expect(reading!.value).toBeCloseTo(10, 3);
    expect(errors).toEqual([]);
  });

  it('reports an unknown setup command as SCPI_-113 from the error queue', async () => {
    await driver({ setup: ['*CLS', 'CONF:VOLT:DC 10', 'BOGUS:CMD 1'] }).connect(signal);
    expect(errors).toEqual([['SCPI_-113', 'Undefined header']]);
  });

  it('no_reply: read() throws TG_LINK_TIMEOUT, and the next read works', async () => {
    const dmm = driver();
    sim.inject({ type: 'no_reply', count: 1 });
    const failure = await dmm.read!(signal).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TgError);
    expect((failure as TgError).code).toBe('TG_LINK_TIMEOUT');
    const [reading] = await dmm.read!(signal);
    expect(reading!.value).toBeCloseTo(10, 3);
  });

  it('garbled: the reading has value null, flag parse_error, and TG_PARSE_ERROR is reported', async () => {
    sim.inject({ type: 'garbled', count: 1 });
    const [reading] = await driver().read!(signal);
    expect(reading!.value).toBeNull();
    expect(reading!.flags).toEqual(['parse_error']);
    expect(errors.map(([code]) => code)).toEqual(['TG_PARSE_ERROR']);
  });

  it('overrange: 9.9E37 becomes value null with flag overrange', async () => {
    sim.inject({ type: 'overrange', count: 1 });
    const [reading] = await driver().read!(signal);
    expect(reading!.value).toBeNull();
    expect(reading!.flags).toEqual(['overrange']);
    expect(errors).toEqual([]);
  });

  it('slow: a reply delayed within the timeout still gives a reading', async () => {
    sim.inject({ type: 'slow', delayMs: 50, count: 1 });
    const [reading] = await driver().read!(signal);
    expect(reading!.value).toBeCloseTo(10, 3);
    expect(reading!.flags ?? []).toEqual([]);
  });

  it('error_queue: each entry is reported with its SCPI code and the reading is kept', async () => {
    sim.inject({
      type: 'error_queue',
      entries: [
        { code: -222, message: 'Data out of range' },
        { code: 531, message: 'Insufficient memory' },
      ],
    });
    const [reading] = await driver().read!(signal);
    expect(reading!.value).toBeCloseTo(10, 3);
    expect(errors).toEqual([
      ['SCPI_-222', 'Data out of range'],
      ['SCPI_531', 'Insufficient memory'],
    ]);
  });

  it('wrong_identity: connect returns the identity the instrument reported', async () => {
    sim.inject({ type: 'wrong_identity', count: 1 });
    const dmm = driver();
    expect(await dmm.connect(signal)).toMatchObject({ model: '34465A', serial: 'MY99999999' });
    expect(await dmm.connect(signal)).toMatchObject({ serial: 'MY59001234' });
  });

  it('disconnect: the link reconnects by itself and read() works again', async () => {
    const dmm = driver();
    await dmm.connect(signal);
    const generation = link.generation;
    sim.inject({ type: 'disconnect', downMs: 300 });
    if (transport === 'serial') {
      await waitFor('the pty to disappear', () => !existsSync(serialPath));
      await waitFor('the pty to come back', () => existsSync(serialPath));
    }
    await waitFor('the link to reconnect', () => link.generation > generation && link.status().state === 'connected');
    const [reading] = await dmm.read!(signal);
    expect(reading!.value).toBeCloseTo(10, 3);
    expect(link.status().reconnects).toBeGreaterThan(0);
  });
});
