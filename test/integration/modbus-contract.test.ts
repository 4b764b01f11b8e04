/**
 * The contract suite of the generic Modbus driver against the Modbus simulator, over RTU on a real
 * pty (three units on one bus) and over Modbus TCP: identity, a reading, each fault, reconnect.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterLink } from '../../src/links/types.js';
import { driverOn, linkTo, startSimulator, waitFor, type DriverHandle, type SimHandle, type Transport } from './modbus-harness.js';

/** Every request's timeout. Wide: a loaded 2-core machine can stall a process for hundreds of
 *  milliseconds, and a good reply must never be taken for a timeout. Faults that are meant to time
 *  out are longer than this by seconds, and the tests wait on events (replies sent, circuits
 *  opened), never on a clock. */
const TIMEOUT_MS = 1000;

const SIMULATOR = {
  units: [
    { unit: 1, profile: 'vaisala-hmt330', values: { humidity: 30.56, temperature: 21.5 } },
    { unit: 2, profile: 'env-sensor' },
    { unit: 3, profile: 'case-logger', scenario: 'drop-test' },
  ],
};

const values = (rs: { value: number | null }[]) => rs.map((r) => r.value);
const flags = (rs: { flags?: string[] }[]) => rs.map((r) => r.flags ?? []);

describe.each<Transport>(['rtu', 'tcp'])('modbus driver against the simulator over %s', (transport) => {
  let h: SimHandle;
  let link: RegisterLink;
  let hmt: DriverHandle;
  let env: DriverHandle;
  let logger: DriverHandle;

  beforeAll(async () => {
    h = await startSimulator(SIMULATOR, [transport]);
    link = linkTo(h.endpoint, transport, { breaker: { failures: 2, probeInterval: 2000 } });
    await link.waitConnected(5000);
    hmt = driverOn(link, { unit: 1, profile: 'vaisala-hmt330' }, TIMEOUT_MS);
    env = driverOn(link, { unit: 2, profile: 'env-sensor' }, TIMEOUT_MS);
    logger = driverOn(link, { unit: 3, profile: 'case-logger' }, TIMEOUT_MS);
  });

  afterEach(async () => {
    h.sim.inject({ type: 'clear' });
    // Leave every unit's breaker closed for the next test.
    await waitFor(async () => (await hmt.read()).every((r) => r.value !== null), 20_000, 'unit 1 answering');
    for (const d of [hmt, env, logger]) d.errors.length = 0;
  });

  afterAll(async () => {
    await link?.close();
    await h?.stop();
  });

  it('connect() opens nothing and reports no identity (Modbus sensors have none)', async () => {
    expect(await hmt.driver.connect(new AbortController().signal)).toBeNull();
  });

  it('reads each unit on the link through its register map', async () => {
    const before = Date.now();
    const rh = await hmt.read();
    const after = Date.now();
    expect(rh.map((r) => [r.channel, r.quantity, r.value, r.unit])).toEqual([
      ['humidity', 'humidity', 30.56, '%RH'],
      ['temperature', 'temperature', 21.5, '°C'],
    ]);
    expect(rh[0]!.time).toBeGreaterThanOrEqual(before);
    expect(rh[0]!.time).toBeLessThanOrEqual(after);

    const [t, u, p] = values(await env.read());
    expect(t).toBeCloseTo(23, 0);
    expect(u).toBeGreaterThan(35);
    expect(u).toBeLessThan(55);
    expect(p).toBeCloseTo(1013, -1);

    const case_ = Object.fromEntries((await logger.read()).map((r) => [r.channel, r.value]));
    expect(case_).toMatchObject({ external_power: 1, battery: 3.6, tilt: expect.any(Number), case_temperature: expect.any(Number) });
    expect(Number.isInteger(case_.events)).toBe(true);
    expect(hmt.errors).toEqual([]);
  });

  it.each([1, 2, 3, 4, 6])('exception %i becomes device_error readings counted as MODBUS_EX_%i', async (code) => {
    h.sim.inject({ type: 'exception', code, unit: 1, count: 1 });
    const rs = await hmt.read();
    expect(values(rs)).toEqual([null, null]);
    expect(flags(rs)).toEqual([['device_error'], ['device_error']]);
    expect(hmt.errors).toEqual([`MODBUS_EX_${code}`]);
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
  });

  it('a register the unit does not have draws a real exception 2', async () => {
    const wrong = driverOn(link, { unit: 1, registers: [{ channel: 'x', quantity: 'q', unit: 'u', address: 500 }] }, TIMEOUT_MS);
    const [r] = await wrong.read();
    expect(r).toMatchObject({ value: null, flags: ['device_error'] });
    expect(wrong.errors).toEqual(['MODBUS_EX_2']);
  });

  it('a timeout flags the readings and the next cycle reads again', async () => {
    h.sim.inject({ type: 'timeout', unit: 1, count: 1 });
    const rs = await hmt.read();
    expect(flags(rs)).toEqual([['timeout'], ['timeout']]);
    expect(hmt.errors).toEqual(['TG_LINK_TIMEOUT']);
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
  });

  it('a corrupted frame is flagged parse_error and counted', async () => {
    h.sim.inject({ type: 'crc', unit: 1, count: 1 });
    const rs = await hmt.read();
    expect(flags(rs)).toEqual([['parse_error'], ['parse_error']]);
    // RTU frames carry a CRC; MBAP frames do not, so there the corruption is a short frame.
    expect(hmt.errors).toEqual([transport === 'rtu' ? 'MODBUS_CRC' : 'TG_PARSE_ERROR']);
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
  });

  it('a slow reply within the timeout is read; one past it times out and never answers a later request', async () => {
    // 100 ms against a 1 s timeout: read, however loaded the machine.
    h.sim.inject({ type: 'slow', delayMs: 100, unit: 1, count: 1 });
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);

    // 4 s against a 1 s timeout: a timeout, however loaded the machine.
    h.sim.inject({ type: 'slow', delayMs: 4000, unit: 1, count: 1 });
    h.sim.inject({ type: 'unavailable', unit: 1, count: 1 });
    const replies = h.sim.replies.get(1) ?? 0;
    // The late reply carries NaNs; were it taken as the answer to a later request, those would
    // show up as `unavailable`.
    expect(flags(await hmt.read())).toEqual([['timeout'], ['timeout']]);
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
    // Once the simulator has sent the late reply, reads still get their own answers. A reply the
    // simulator makes after it (unit 2's) reaches the gateway after it too (the line and the
    // socket keep order): once that read is done, the late reply has arrived and been dropped.
    // (RTU cannot tell a late reply from the next one to the same unit if they cross: that is why
    // timeouts must exceed a unit's worst response time, see rtu-port.ts.)
    await waitFor(() => (h.sim.replies.get(1) ?? 0) >= replies + 2, 20_000, 'the late reply to go out');
    expect(values(await env.read()).every((v) => v !== null)).toBe(true);
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
  });

  it('NaN and sentinel values are flagged unavailable', async () => {
    h.sim.inject({ type: 'unavailable', unit: 1, channel: 'humidity', count: 1 });
    const rs = await hmt.read();
    expect(values(rs)).toEqual([null, 21.5]);
    expect(flags(rs)).toEqual([['unavailable'], []]);
    h.sim.inject({ type: 'unavailable', unit: 2, count: 1 });
    expect(flags(await env.read())).toEqual([['unavailable'], ['unavailable'], ['unavailable']]);
  });

  it('a dead unit is flagged, rests behind its open circuit without touching the bus, and comes back', async () => {
    // Dead until revived: its two timeouts (1 s each) open the circuit whatever the load.
    h.sim.inject({ type: 'dead', unit: 1, forMs: 600_000 });
    for (let i = 0; i < 2; i++) expect(flags(await hmt.read())).toEqual([['timeout'], ['timeout']]);
    expect(link.units().find((u) => u.unit === 1)?.breaker).toBe('open');

    const sent = h.sim.requests.get(1);
    const resting = await hmt.read();
    expect(flags(resting)).toEqual([['timeout'], ['timeout']]);
    expect(hmt.errors.at(-1)).toBe('TG_CIRCUIT_OPEN');
    expect(h.sim.requests.get(1)).toBe(sent);
    // The other units on the link keep reading.
    expect(values(await env.read()).every((v) => v !== null)).toBe(true);

    h.sim.inject({ type: 'revive', unit: 1 });
    await waitFor(async () => (await hmt.read()).every((r) => r.value !== null), 20_000, 'the unit to come back');
    expect(link.units().find((u) => u.unit === 1)?.breaker).toBe('closed');
  });

  it('reconnects after the connection drops, and reads resume', async () => {
    const generation = link.generation;
    h.sim.inject({ type: 'disconnect', downMs: 300 });
    await waitFor(() => link.generation > generation && link.status().state === 'connected', 10_000, 'the link to reconnect');
    await waitFor(async () => (await hmt.read().catch(() => [{ value: null }])).every((r) => r.value !== null), 5000, 'a reading');
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
    expect(link.status().reconnects).toBeGreaterThan(0);
  });
});

describe('modbus driver against a single-connection TCP device', () => {
  let h: SimHandle;
  let link: RegisterLink | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    h = await startSimulator({ units: [SIMULATOR.units[0]], singleConnection: true }, ['tcp']);
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await link?.close();
    await h?.stop();
  });

  const occupy = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(h.endpoint.tcp!.port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
      sockets.push(s);
    });

  it('waits while another client holds the connection, then connects and keeps it', async () => {
    const other = await occupy();
    await waitFor(() => h.sim.clients === 1, 2000, 'the other client');
    link = linkTo(h.endpoint, 'tcp');
    const hmt = driverOn(link, { unit: 1, profile: 'vaisala-hmt330' }, TIMEOUT_MS);
    await waitFor(() => link!.status().reconnects >= 2, 5000, 'refused attempts');
    expect(h.sim.requests.get(1) ?? 0).toBe(0);

    other.destroy();
    await waitFor(async () => (await hmt.read().catch(() => [{ value: null }])).every((r) => r.value !== null), 5000, 'a reading');

    // Now the link holds the one connection: a second client is turned away, the link reads on.
    const third = await occupy();
    await new Promise((resolve) => third.once('close', resolve));
    expect(values(await hmt.read())).toEqual([30.56, 21.5]);
  });
});
