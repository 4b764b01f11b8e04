/**
 * The driver contract: every driver in drivers/index.ts, against its simulator, built through the
 * configuration path (see harness.ts), must
 *   1. return from connect() the identity its simulator reports (null when the protocol has none),
 *      and satisfy the configured identity as acquisition compares it;
 *   2. read one cycle with the expected channels, quantities and units and finite values;
 *   3. turn each common fault into what its row says (a thrown TG_LINK_TIMEOUT or `timeout`
 *      flagged readings; `parse_error` flagged readings with a counted code), then read cleanly;
 *   4. after the simulator drops the connection, read again on the same link and driver once the
 *      link has reconnected by itself (its generation increased);
 * and 5. no driver may be registered without a row here.
 * The per-driver suites in test/integration/ go deeper; this one keeps them all to the same bar.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identityMismatches } from '../../src/acquisition/identity.js';
import { TgError } from '../../src/core/errors.js';
import type { RawReading } from '../../src/core/types.js';
import { drivers } from '../../drivers/index.js';
import { simulators } from '../../simulators/index.js';
import { startRig, waitFor, type ContractCase, type FaultCase, type Rig, type Transport } from './harness.js';

const HMT330_VALUES = { humidity: 30.56, temperature: 21.5 };

/** The table: one row per driver/simulator pairing (a driver may have several, e.g. profiles). */
const CASES: readonly ContractCase[] = [
  {
    name: 'scpi ↔ scpi-dmm',
    driver: 'scpi',
    simulator: 'scpi-dmm',
    transports: ['tcp', 'serial'],
    simulatorOptions: { standard: 'z1' },
    deviceOptions: { preset: 'keysight-34465a' },
    timeoutMs: 300,
    identity: { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'MY59001234', firmware: 'A.03.01-03.15-03.01-00.52-03-02' },
    channels: [['dcv', 'voltage', 'V']],
    values: { dcv: [10, 1e-3] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
  {
    name: 'vaisala-ptu300 ↔ vaisala-ptu300',
    driver: 'vaisala-ptu300',
    simulator: 'vaisala-ptu300',
    transports: ['tcp', 'serial'],
    deviceOptions: { mode: 'polled', identify: true },
    linkOptions: { writeTerminator: 'CRLF', readTerminator: 'CRLF' },
    timeoutMs: 400,
    identity: { manufacturer: 'Vaisala', model: 'PTU300', serial: 'K1234567', firmware: '3.10' },
    channels: [
      ['humidity', 'humidity', '%RH'],
      ['temperature', 'temperature', '°C'],
      ['pressure', 'pressure', 'hPa'],
    ],
    values: { temperature: [23, 0.1] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
  {
    name: 'hp3458a ↔ prologix-3458a',
    driver: 'hp3458a',
    simulator: 'prologix-3458a',
    transports: ['tcp'], // the Prologix GPIB-ETHERNET adapter has no serial side
    simulatorOptions: { standard: 'z1' },
    deviceOptions: { readTmoMs: 100, serial: '2823A05678' },
    timeoutMs: 500,
    identity: { manufacturer: 'HP', model: '3458A', serial: '2823A05678' },
    channels: [['dcv', 'voltage', 'V']],
    values: { dcv: [10, 1e-3] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
  {
    name: 'fluke-1594a ↔ fluke-1594a',
    driver: 'fluke-1594a',
    simulator: 'fluke-1594a',
    transports: ['tcp', 'serial'],
    simulatorOptions: { samplePeriodMs: 1000 },
    samplePeriodMs: 1000,
    timeoutMs: 400,
    identity: { manufacturer: 'FLUKE', model: '1594A', serial: 'B23456', firmware: '1.04' },
    channels: [['ch1', 'temperature', '°C']],
    values: { ch1: [23, 0.01] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
  {
    name: 'modbus (vaisala-hmt330) ↔ modbus',
    driver: 'modbus',
    simulator: 'modbus',
    transports: ['tcp', 'serial'],
    simulatorOptions: { units: [{ unit: 1, profile: 'vaisala-hmt330', values: HMT330_VALUES }] },
    deviceOptions: { unit: 1, profile: 'vaisala-hmt330' },
    timeoutMs: 300,
    identity: null,
    channels: [
      ['humidity', 'humidity', '%RH'],
      ['temperature', 'temperature', '°C'],
    ],
    values: { humidity: [30.56, 1e-4], temperature: [21.5, 1e-4] },
    timeout: { inject: { type: 'timeout', unit: 1, count: 1 }, outcome: { flag: 'timeout', reported: 'TG_LINK_TIMEOUT' } },
    // RTU frames carry a CRC; MBAP frames do not, so over TCP the corruption is a short frame.
    garbled: { inject: { type: 'crc', unit: 1, count: 1 }, outcome: { flag: 'parse_error', reported: { tcp: 'TG_PARSE_ERROR', serial: 'MODBUS_CRC' } } },
  },
  {
    name: 'modbus (case-logger) ↔ modbus',
    driver: 'modbus',
    simulator: 'modbus',
    transports: ['tcp', 'serial'],
    simulatorOptions: { units: [{ unit: 7, profile: 'case-logger', scenario: 'drop-test' }] },
    deviceOptions: { unit: 7, profile: 'case-logger' },
    timeoutMs: 300,
    identity: null,
    channels: [
      ['peak_x', 'acceleration', 'g'],
      ['peak_y', 'acceleration', 'g'],
      ['peak_z', 'acceleration', 'g'],
      ['tilt', 'tilt', '°'],
      ['case_temperature', 'temperature', '°C'],
      ['case_humidity', 'humidity', '%RH'],
      ['battery', 'voltage', 'V'],
      ['external_power', 'external_power', '1'],
      ['events', 'event_count', '1'],
    ],
    values: { battery: [3.6, 1e-3], external_power: [1, 0] },
    timeout: { inject: { type: 'timeout', unit: 7, count: 1 }, outcome: { flag: 'timeout', reported: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'crc', unit: 7, count: 1 }, outcome: { flag: 'parse_error', reported: { tcp: 'TG_PARSE_ERROR', serial: 'MODBUS_CRC' } } },
  },
];

/** A clean cycle: the row's channels in order, finite values near the expected ones, no flags. */
function expectClean(row: ContractCase, readings: RawReading[]): void {
  expect(readings.map((r) => [r.channel, r.quantity, r.unit])).toEqual(row.channels);
  for (const r of readings) {
    expect(r.flags ?? [], `${r.channel} flags`).toEqual([]);
    expect(Number.isFinite(r.value), `${r.channel} value ${r.value}`).toBe(true);
    const near = row.values?.[r.channel];
    if (near) expect(Math.abs(r.value! - near[0]), `${r.channel} = ${r.value}`).toBeLessThanOrEqual(near[1]);
  }
}

function isClean(readings: RawReading[]): boolean {
  return readings.length > 0 && readings.every((r) => (r.flags ?? []).length === 0 && Number.isFinite(r.value));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the read cycle to fail, but it resolved');
}

async function expectFault(row: ContractCase, transport: Transport, rig: Rig, fault: FaultCase): Promise<void> {
  rig.errors.length = 0;
  rig.sim.inject(fault.inject);
  const { outcome } = fault;
  if ('throws' in outcome) {
    const err = await rejection(rig.read());
    expect(err).toBeInstanceOf(TgError);
    expect((err as TgError).code).toBe(outcome.throws);
  } else {
    const readings = await rig.read();
    expect(readings.map((r) => r.channel)).toEqual(row.channels.map(([channel]) => channel));
    for (const r of readings) {
      expect(r.value, r.channel).toBeNull();
      expect(r.flags, r.channel).toEqual([outcome.flag]);
    }
    const code = typeof outcome.reported === 'string' ? outcome.reported : outcome.reported[transport];
    expect(rig.errors).toEqual([code]);
  }
  // The fault affected one reply only: the next cycle is clean.
  expectClean(row, await rig.read());
}

const runs = CASES.flatMap((row) => row.transports.map((transport) => ({ row, transport })));

describe.each(runs.map((r) => [`${r.row.name} over ${r.transport}`, r] as const))('driver contract: %s', (_, { row, transport }) => {
  let dir: string;
  let rig: Rig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-contract-'));
    rig = await startRig(row, transport, dir);
    await rig.connect();
  });

  afterEach(() => {
    rig?.sim.inject({ type: 'clear' });
    if (rig) rig.errors.length = 0;
  });

  afterAll(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connect() returns the identity the simulator reports, and it satisfies the configured one', async () => {
    const identity = await rig.connect();
    expect(identity).toEqual(row.identity);
    expect(identityMismatches(rig.device.identity, identity)).toEqual([]);
    expect(rig.errors).toEqual([]);
  });

  it('reads one cycle with the expected channels, units and finite values', async () => {
    const before = Date.now();
    const readings = await rig.read();
    expectClean(row, readings);
    for (const r of readings) expect(r.time).toBeGreaterThanOrEqual(before);
    expect(rig.errors).toEqual([]);
  });

  it(`fault ${row.timeout.inject.type}: ${'throws' in row.timeout.outcome ? `throws ${row.timeout.outcome.throws}` : `flags ${row.timeout.outcome.flag}`}, then the next read is clean`, async () => {
    await expectFault(row, transport, rig, row.timeout);
  });

  it(`fault ${row.garbled.inject.type}: flags parse_error and counts it, then the next read is clean`, async () => {
    await expectFault(row, transport, rig, row.garbled);
  });

  it('fault disconnect: the link reconnects by itself and the same driver reads again', async () => {
    expectClean(row, await rig.read());
    const generation = rig.link.generation;
    const reconnects = rig.link.status().reconnects;
    rig.sim.inject({ type: 'disconnect', downMs: 200 });
    await waitFor('the link to reconnect', () => rig.link.generation > generation && rig.link.status().state === 'connected', 10_000);
    expect(rig.link.status().reconnects).toBeGreaterThan(reconnects);
    if (transport === 'tcp') {
      // A new TCP connection starts clean: the very first cycle on it must read.
      expectClean(row, await rig.read());
    } else {
      // A reopened pty may deliver a torn first line; acquisition simply polls again.
      let last: RawReading[] = [];
      await waitFor('a clean read after the reconnect', async () => isClean((last = await rig.read().catch(() => []))), 5000);
      expectClean(row, last);
    }
  });
});

describe('driver contract coverage', () => {
  it('every registered driver has a row in the contract table, and every row names registered kinds', () => {
    const covered = new Set(CASES.map((c) => c.driver));
    expect(drivers.map((d) => d.kind).filter((kind) => !covered.has(kind))).toEqual([]);
    expect(CASES.map((c) => c.driver).filter((kind) => !drivers.some((d) => d.kind === kind))).toEqual([]);
    expect(CASES.map((c) => c.simulator).filter((kind) => !simulators.some((s) => s.kind === kind))).toEqual([]);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });
});
