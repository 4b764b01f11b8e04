import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, systemClock, type Driver, codeOf, silentLogger, serialLinkConfig, tcpLinkConfig, createLink, type LineLink } from '../../../test/helpers/instrument-rig.js';
import { fluke1594aDriver } from '../index.js';
import { World, worldConfig } from '../../../simulators/physics/world.js';
import { Fluke1594aSimulator, fluke1594aSimulator } from '../../../simulators/fluke-1594a/index.js';

/**
 * The simulator runs on a FakeClock, so a new measurement exists exactly when the test advances it
 * by one sample period; links time-stamp with the system clock. The driver shares the fake clock
 * for its `maxAge` bookkeeping.
 */
const PERIOD = 1000;
const signal = new AbortController().signal;
let dir: string;
let sim: Fluke1594aSimulator | undefined;
let clock: FakeClock;
const links: LineLink[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-1594a-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  for (const link of links.splice(0)) await link.close();
  await sim?.stop();
  sim = undefined;
});

async function startSim(options: object = {}, serial = false) {
  clock = new FakeClock(Date.UTC(2026, 5, 1));
  const world = new World(worldConfig.parse({ lab: { temperature: 23, temperatureSwing: 0 } }));
  sim = fluke1594aSimulator.create(fluke1594aSimulator.config.parse({ samplePeriodMs: PERIOD, ...options }), {
    world,
    clock,
    log: silentLogger(),
    listen: { tcp: { host: '127.0.0.1', port: 0 }, ...(serial ? { serial: { path: join(dir, `tty${Date.now()}`) } } : {}) },
  }) as Fluke1594aSimulator;
  return sim.start();
}

async function driverOn(linkConfig: object, options: object = {}, timeoutMs = 400) {
  const link = createLink(
    'path' in linkConfig
      ? serialLinkConfig.parse({ id: 'rs232', type: 'serial', reconnect: { initial: 50, max: 500 }, ...linkConfig })
      : tcpLinkConfig.parse({ id: 'tcp', type: 'tcp', reconnect: { initial: 50, max: 500 }, ...linkConfig }),
    { clock: systemClock, log: silentLogger() },
  ) as LineLink;
  links.push(link);
  const errors: { code: string; detail: string }[] = [];
  const driver: Driver = fluke1594aDriver.create(fluke1594aDriver.config.parse(options), {
    link,
    log: silentLogger(),
    clock,
    timeoutMs,
    reportError: (code, detail) => errors.push({ code, detail }),
  });
  link.start();
  await link.waitConnected(5000);
  return { link, driver, errors };
}

async function overTcp(simOptions: object = {}, driverOptions: object = {}) {
  const endpoint = await startSim(simOptions);
  return driverOn({ host: endpoint.tcp!.host, port: endpoint.tcp!.port }, driverOptions);
}


async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('fluke-1594a driver against its simulator', () => {
  it('over the serial pty: identity, then one reading per new measurement', async () => {
    const endpoint = await startSim({}, true);
    const { driver, errors } = await driverOn({ path: endpoint.serialPath! });
    expect(await driver.connect(signal)).toEqual({ manufacturer: 'FLUKE', model: '1594A', serial: 'B23456', firmware: '1.04' });
    expect(await driver.read!(signal)).toEqual([]); // nothing measured yet
    clock.advance(PERIOD);
    const before = Date.now();
    const readings = await driver.read!(signal);
    expect(readings).toHaveLength(1);
    expect(readings[0]).toMatchObject({ channel: 'ch1', quantity: 'temperature', unit: '°C' });
    expect(readings[0]!.value).toBeCloseTo(23, 2);
    expect(readings[0]!.time).toBeGreaterThanOrEqual(before);
    expect(await driver.read!(signal)).toEqual([]); // the same measurement is not read twice
    expect(errors).toEqual([]);
  });

  it('over the serial pty: reconnects after the port disappears and comes back', async () => {
    const endpoint = await startSim({}, true);
    // Replies time out after 2 s, not 400 ms: on a loaded machine the first exchange on a reopened
    // pseudo-terminal can take longer, and this test is about the reconnect, not the reply time.
    const { link, driver } = await driverOn({ path: endpoint.serialPath! }, {}, 2000);
    await driver.connect(signal);
    const generation = link.generation;
    sim!.inject({ type: 'disconnect', downMs: 300 });
    await waitFor(() => link.status().state !== 'connected', 'the drop');
    expect(['TG_LINK_DOWN', 'TG_LINK_CLOSED']).toContain(await codeOf(driver.read!(signal)));
    await link.waitConnected(5000);
    expect(link.generation).toBeGreaterThan(generation);
    expect(await driver.connect(signal)).toMatchObject({ model: '1594A' });
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).toBeCloseTo(23, 2);
  });

  it('reads the SPRT resistance in Ω when set to resistance', async () => {
    const { driver, errors } = await overTcp({}, { measure: 'resistance' });
    await driver.connect(signal);
    clock.advance(PERIOD);
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ quantity: 'resistance', unit: 'Ω' });
    expect(reading!.value).toBeCloseTo(25.5 * (1 + 3.9083e-3 * 23 - 5.775e-7 * 23 * 23), 3);
    expect(errors).toEqual([]);
  });

  it('flags a reading whose unit is not the configured one as device_error, in the stated unit', async () => {
    const { driver, errors } = await overTcp({}, { setup: ['CALC1:TYPE RES'] });
    await driver.connect(signal);
    clock.advance(PERIOD);
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ quantity: 'resistance', unit: 'Ω', flags: ['device_error'] });
    expect(errors.map((e) => e.code)).toEqual(['TG_DEVICE_ERROR']);
  });

  it('gives an unavailable reading once no new measurement came for maxAge (fault stalled), and recovers on clear', async () => {
    const { driver, errors } = await overTcp({}, { maxAge: 5000 });
    await driver.connect(signal);
    sim!.inject({ type: 'stalled' });
    clock.advance(3 * PERIOD);
    expect(await driver.read!(signal)).toEqual([]);
    clock.advance(3 * PERIOD);
    expect(await driver.read!(signal)).toEqual([expect.objectContaining({ value: null, flags: ['unavailable'] })]);
    expect(errors.map((e) => e.code)).toEqual(['TG_DEVICE_ERROR']);
    sim!.inject({ type: 'clear' });
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).toBeCloseTo(23, 2);
  });

  it('without onlyNew, FETC? before the first measurement is not answered: the cycle fails with error -230', async () => {
    const { driver, errors } = await overTcp({}, { onlyNew: false });
    await driver.connect(signal);
    // The error queue is read right after the timeout: the instrument's own error is the cycle's.
    const failure = await driver.read!(signal).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'TG_DEVICE_ERROR', message: expect.stringContaining('-230,"Data corrupt or stale"') });
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).toBeCloseTo(23, 2);
    expect(errors).toEqual([{ code: 'SCPI_-230', detail: 'Data corrupt or stale' }]);
  });

  it('fault no_reply: the cycle fails with a timeout, the next one reads', async () => {
    const { driver } = await overTcp();
    await driver.connect(signal);
    sim!.inject({ type: 'no_reply', count: 1 });
    clock.advance(PERIOD);
    expect(await codeOf(driver.read!(signal))).toBe('TG_LINK_TIMEOUT');
    // STAT:OPER? ran (and cleared the bit) although its answer was lost: the next sample is read.
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).toBeCloseTo(23, 2);
  });

  it('fault garbled: a parse_error reading and a counted TG_PARSE_ERROR', async () => {
    const { driver, errors } = await overTcp();
    await driver.connect(signal);
    sim!.inject({ type: 'garbled', count: 1 });
    clock.advance(PERIOD);
    expect(await driver.read!(signal)).toEqual([expect.objectContaining({ value: null, flags: ['parse_error'] })]);
    expect(errors.map((e) => e.code)).toEqual(['TG_PARSE_ERROR']);
  });

  it('fault wrong_identity: connect returns what *IDN? said', async () => {
    const { driver } = await overTcp();
    sim!.inject({ type: 'wrong_identity', count: 1 });
    expect(await driver.connect(signal)).toMatchObject({ model: '1595A', serial: 'B99999' });
    expect(await driver.connect(signal)).toMatchObject({ model: '1594A', serial: 'B23456' });
  });

  it('fault error_queue: each SYST:ERR? entry is reported as SCPI_<code>', async () => {
    const { driver, errors } = await overTcp();
    await driver.connect(signal);
    sim!.inject({ type: 'error_queue', entries: [{ code: -222, message: 'Data out of range' }] });
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).not.toBeNull();
    expect(errors).toEqual([{ code: 'SCPI_-222', detail: 'Data out of range' }]);
  });

  it('fault disconnect over TCP: the link reconnects and the driver reads again', async () => {
    const { link, driver } = await overTcp();
    await driver.connect(signal);
    const generation = link.generation;
    sim!.inject({ type: 'disconnect' });
    await waitFor(() => link.generation > generation && link.status().state === 'connected', 'the reconnect');
    expect(await driver.connect(signal)).toMatchObject({ model: '1594A' });
    clock.advance(PERIOD);
    expect((await driver.read!(signal))[0]!.value).toBeCloseTo(23, 2);
  });
});
