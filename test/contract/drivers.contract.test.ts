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
 * and 5. no driver may be registered without a row (rows live in each driver's folder, in
 * drivers/<kind>/test/contract.ts, and are discovered).
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
import { discoverContractCases, startRig, waitFor, type ContractCase, type FaultCase, type Rig, type Transport } from './harness.js';

/**
 * The table: every driver folder's rows (drivers/<kind>/test/contract.ts exports `contract`), one
 * row per driver/simulator pairing (a driver may have several, e.g. profiles). Adding an
 * instrument adds its rows in its own folder; nothing here changes.
 */
const CASES: readonly ContractCase[] = await discoverContractCases();

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
