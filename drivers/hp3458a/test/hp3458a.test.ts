import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Driver, codeOf, silentLogger, prologixLinkConfig, tcpLinkConfig, createLink, type LineLink } from '../../../test/helpers/instrument-rig.js';
import { hp3458aDriver } from '../index.js';
import { World, worldConfig } from '../../../simulators/physics/world.js';
import { Prologix3458aSimulator, prologix3458aSimulator } from '../../../simulators/prologix-3458a/index.js';

interface Rig {
  sim: Prologix3458aSimulator;
  link: LineLink;
  driver: Driver;
  errors: { code: string; detail: string }[];
  port: number;
}

const rigs: Rig[] = [];
const signal = new AbortController().signal;

afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.link.close();
    await rig.sim.stop();
  }
});

/** The simulator on a free port, a real prologix link to it and the driver on that link. */
async function rig(simOptions: object = {}, driverOptions: object = {}, timeoutMs = 500): Promise<Rig> {
  const world = new World(worldConfig.parse({ standards: [{ id: 'z10', noise: 0 }] }));
  const sim = prologix3458aSimulator.create(prologix3458aSimulator.config.parse(simOptions), {
    world,
    clock: systemClock,
    log: silentLogger(),
    listen: { tcp: { host: '127.0.0.1', port: 0 } },
  }) as Prologix3458aSimulator;
  const endpoint = await sim.start();
  const port = endpoint.tcp!.port;
  const link = createLink(
    prologixLinkConfig.parse({ id: 'gpib', type: 'prologix', host: '127.0.0.1', port, address: 22, readTimeout: 100, reconnect: { initial: 50, max: 500 } }),
    { clock: systemClock, log: silentLogger() },
  ) as LineLink;
  const errors: Rig['errors'] = [];
  const driver = hp3458aDriver.create(hp3458aDriver.config.parse({ serial: '2823A05678', ...driverOptions }), {
    link,
    log: silentLogger(),
    clock: systemClock,
    timeoutMs,
    reportError: (code, detail) => errors.push({ code, detail }),
  });
  const r = { sim, link, driver, errors, port };
  rigs.push(r);
  link.start();
  await link.waitConnected(2000);
  return r;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}


describe('hp3458a driver on a prologix link against the prologix-3458a simulator', () => {
  it('configures the adapter, reports the identity and sends the setup', async () => {
    const { sim, driver, errors } = await rig();
    expect(await driver.connect(signal)).toEqual({ manufacturer: 'HP', model: '3458A', serial: '2823A05678' });
    expect(sim.adapterCommands).toEqual(expect.arrayContaining(['savecfg 0', 'mode 1', 'addr 22', 'auto 0', 'read_tmo_ms 100', 'clr', 'ver']));
    expect(sim.instrumentMessages).toEqual(expect.arrayContaining(['ID?', 'PRESET NORM', 'TRIG HOLD', 'FUNC DCV,10', 'NPLC 100']));
    expect(errors).toEqual([]);
  });

  it('reads the standard with TRIG SGL, time-stamped within the query, with the internal temperature', async () => {
    const { driver, errors } = await rig();
    await driver.connect(signal);
    const before = Date.now();
    const [reading] = await driver.read!(signal);
    const after = Date.now();
    expect(reading).toMatchObject({ channel: 'dcv', quantity: 'voltage', unit: 'V' });
    expect(reading!.value).toBeGreaterThan(9.9999);
    expect(reading!.value).toBeLessThan(10.0001);
    expect(reading!.flags ?? []).toEqual([]);
    expect(reading!.time).toBeGreaterThanOrEqual(before);
    expect(reading!.time).toBeLessThanOrEqual(after);
    expect(reading!.extra?.internalTemperature).toBeGreaterThan(33);
    expect(reading!.extra?.internalTemperature).toBeLessThan(39);
    expect(errors).toEqual([]);
  });

  it('escapes CR, LF and + so the meter receives commands exactly as written', async () => {
    const { sim, driver, errors } = await rig({}, { setup: ['PRESET NORM', 'TRIG HOLD', 'FUNC DCV,+10', 'NPLC +1E+2', 'DISP MSG,"A\nB"'] });
    await driver.connect(signal);
    expect(sim.instrumentMessages).toEqual(expect.arrayContaining(['FUNC DCV,+10', 'NPLC +1E+2', 'DISP MSG,"A\nB"']));
    expect(errors).toEqual([]);
    expect((await driver.read!(signal))[0]!.value).not.toBeNull();
  });

  it('repeats ++read eoi while a reading integrates longer than the adapter read timeout', async () => {
    const { sim, driver } = await rig({ measurementMs: 250 }, {}, 2000);
    await driver.connect(signal);
    const reads = () => sim.adapterCommands.filter((c) => c === 'read eoi').length;
    const before = reads();
    const [reading] = await driver.read!(signal);
    expect(reading!.value).toBeGreaterThan(9.9999);
    // TRIG SGL needed at least two ++read; TEMP? and ERRSTR? one each.
    expect(reads() - before).toBeGreaterThanOrEqual(4);
  });

  it('fault no_reply: the cycle fails with a timeout, the next one reads', async () => {
    const { sim, driver } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'no_reply', count: 1 });
    expect(await codeOf(driver.read!(signal))).toBe('TG_LINK_TIMEOUT');
    const clears = sim.adapterCommands.filter((c) => c === 'clr').length;
    expect((await driver.read!(signal))[0]!.value).not.toBeNull();
    // The link starts the transaction after an unanswered one with a selected device clear.
    expect(sim.adapterCommands.filter((c) => c === 'clr').length).toBe(clears + 1);
  });

  it('fault garbled: a parse_error reading and a counted TG_PARSE_ERROR', async () => {
    const { sim, driver, errors } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'garbled', count: 1 });
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ value: null, flags: ['parse_error'] });
    expect(errors.map((e) => e.code)).toEqual(['TG_PARSE_ERROR']);
    expect((await driver.read!(signal))[0]!.flags ?? []).toEqual([]);
  });

  it('fault overrange: ±1E+38 is flagged overrange with no value', async () => {
    const { sim, driver } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'overrange', count: 1 });
    expect((await driver.read!(signal))[0]).toMatchObject({ value: null, flags: ['overrange'], extra: { overload: '+' } });
  });

  it('fault wrong_identity: connect returns what ID? said', async () => {
    const { sim, driver } = await rig();
    sim.inject({ type: 'wrong_identity', count: 1 });
    expect(await driver.connect(signal)).toMatchObject({ manufacturer: 'HP', model: '3457A' });
    expect(await driver.connect(signal)).toMatchObject({ model: '3458A' });
  });

  it('fault error_queue: each ERRSTR? entry is reported as HP3458A_<code> and the reading kept', async () => {
    const { sim, driver, errors } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'error_queue', entries: [{ code: 102, message: 'TRIGGER TOO FAST' }, { code: 106, message: 'PARAMETER OUT OF RANGE' }] });
    const [reading] = await driver.read!(signal);
    expect(reading!.value).not.toBeNull();
    expect(errors).toEqual([
      { code: 'HP3458A_102', detail: 'TRIGGER TOO FAST' },
      { code: 'HP3458A_106', detail: 'PARAMETER OUT OF RANGE' },
    ]);
  });

  it('fault clear: ends a fault armed without a count', async () => {
    const { sim, driver } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'garbled' });
    expect((await driver.read!(signal))[0]!.flags).toEqual(['parse_error']);
    sim.inject({ type: 'clear' });
    expect((await driver.read!(signal))[0]!.flags ?? []).toEqual([]);
  });

  it('fault disconnect: the cycle fails, the link reconnects and the driver reads again', async () => {
    const { sim, link, driver } = await rig();
    await driver.connect(signal);
    const generation = link.generation;
    sim.inject({ type: 'disconnect', downMs: 300 });
    await waitFor(() => link.status().state !== 'connected', 'the drop');
    expect(['TG_LINK_DOWN', 'TG_LINK_CLOSED']).toContain(await codeOf(driver.read!(signal)));
    await link.waitConnected(5000);
    expect(link.generation).toBeGreaterThan(generation);
    expect(await driver.connect(signal)).toMatchObject({ model: '3458A' });
    expect((await driver.read!(signal))[0]!.value).not.toBeNull();
  });

  it('on a plain tcp link (the configuration before the prologix link) connect() names the link type it needs', async () => {
    const { port } = await rig();
    const tcp = createLink(tcpLinkConfig.parse({ id: 'old', type: 'tcp', host: '127.0.0.1', port }), { clock: systemClock, log: silentLogger() }) as LineLink;
    const driver = hp3458aDriver.create(hp3458aDriver.config.parse({}), { link: tcp, log: silentLogger(), clock: systemClock, timeoutMs: 500, reportError: () => undefined });
    await expect(driver.connect(signal)).rejects.toMatchObject({ code: 'TG_CONFIG_INVALID', message: expect.stringContaining('needs a link of type prologix') });
  });

  it('rejects an unknown fault', async () => {
    const { sim } = await rig();
    expect(() => sim.inject({ type: 'melt' })).toThrow(/invalid fault/);
  });
});
