import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, AcquisitionRecord, ClockSyncState, JournalRecord } from '../../src/core/types.js';
import { readSeal, verifyRecords } from '../../src/integrity/index.js';
import { Sealer } from '../../src/integrity/sealer.js';
import { Journal } from '../../src/journal/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function acquisition(i: number, clock: ClockSyncState = 'yes'): Acquisition {
  return { device: 'dmm-1', time: 1_767_225_600_000 + i, clock, channels: { dcv: { quantity: 'voltage', value: 10 + i * 1e-9, unit: 'V' } } };
}

/** Let the journal's setImmediate commits and the sealer's reactions run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: { path?: string; everyRecords?: number } = {}) {
  const clock = new FakeClock();
  const journal = Journal.open({ path: opts.path ?? ':memory:', gateway: 'gw', lab: 'LAB', clock, commitIntervalMs: 0, log: silentLogger() });
  const sealer = new Sealer({ journal, privateKey, clock, log: silentLogger(), everyRecords: opts.everyRecords ?? 1000, intervalMs: 1000 });
  cleanups.push(async () => {
    await sealer.stop();
    await journal.close();
  });
  const all = (): JournalRecord[] => journal.range(1, 1_000_000);
  const seals = (): JournalRecord[] => all().filter((r) => r.kind === 'seal');
  const append = (n: number, from = 0) => Promise.all(Array.from({ length: n }, (_, i) => journal.appendAcquisition(acquisition(from + i))));
  return { clock, journal, sealer, all, seals, append };
}

describe('Sealer', () => {
  it('makes no seal while nothing was committed, however much time passes', async () => {
    const { clock, sealer, seals } = setup();
    sealer.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(seals()).toEqual([]);
  });

  it('seals a few records once the interval has passed since the first of them, naming the last', async () => {
    const { clock, sealer, seals, append, journal } = setup();
    sealer.start();
    await append(3);
    await settle();
    clock.advance(999);
    await settle();
    expect(seals()).toEqual([]); // not yet: under a second since the first unsealed record
    clock.advance(1);
    await settle();
    const [seal] = seals();
    expect(seal?.seq).toBe(4);
    const data = readSeal(seal!);
    expect(data).toMatchObject({ headSeq: 3, headHash: journal.record(3)!.hash, keyId: sealer.keyId });
    expect(sealer.status()).toMatchObject({ seals: 1, lastSealSeq: 4, lastHeadSeq: 3, unsealed: 0 });

    clock.advance(5000); // no new records: no new seal
    await settle();
    expect(seals()).toHaveLength(1);
  });

  it('seals as soon as `everyRecords` are unsealed, without waiting for the interval', async () => {
    const { sealer, seals, append, all } = setup({ everyRecords: 100 });
    sealer.start();
    for (let chunk = 0; chunk < 5; chunk++) {
      await append(60, chunk * 60); // one commit batch each; the fake clock never moves
      await settle();
    }
    // 120 unsealed after the 2nd and after the 4th chunk; the last 60 wait for the interval.
    expect(seals().map((s) => readSeal(s))).toMatchObject([{ headSeq: 120 }, { headSeq: 241 }]);
    expect(all().filter((r) => r.kind !== 'seal')).toHaveLength(300);
    expect(sealer.status().unsealed).toBe(60);
  });

  it('seals the tail on stop, so the whole journal verifies and ends with a seal', async () => {
    const { sealer, all, append, journal } = setup({ everyRecords: 40 });
    sealer.start();
    await append(95);
    await settle(10);
    await journal.appendEvent({ type: 'gateway_stopped', time: 1_767_225_700_000, severity: 'info', message: 'stopped' });
    await sealer.stop();
    const records = all();
    expect(records.at(-1)!.kind).toBe('seal');
    const result = verifyRecords(records, { publicKeys: [publicKey], after: { seq: 0, hash: '' } });
    expect(result).toMatchObject({ ok: true, lastSeq: records.at(-1)!.seq, sealedSeq: records.at(-1)!.seq - 1 });
  });

  it('stop adds no seal when the journal already ends with one', async () => {
    const { clock, sealer, seals, append } = setup();
    sealer.start();
    await append(2);
    await settle();
    clock.advance(1000);
    await settle();
    expect(seals()).toHaveLength(1);
    await sealer.stop();
    expect(seals()).toHaveLength(1);
  });

  it('on start, seals a journal left with unsealed records (a gateway killed before its final seal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sealer-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'journal.sqlite');
    const before = Journal.open({ path, gateway: 'gw', lab: 'LAB', clock: new FakeClock(), commitIntervalMs: 0, log: silentLogger() });
    await Promise.all([1, 2, 3].map((i) => before.appendAcquisition(acquisition(i))));
    await before.close(); // no sealer ran: the journal ends unsealed

    const { clock, sealer, seals, all } = setup({ path });
    sealer.start();
    clock.advance(1000);
    await settle();
    expect(seals().map((s) => s.seq)).toEqual([4]);
    expect(verifyRecords(all(), { publicKeys: [publicKey] }).ok).toBe(true);
  });

  it('stamps events and seals with the clock provenance the journal was given; acquisitions keep their own', async () => {
    const clock = new FakeClock();
    let state: ClockSyncState = 'yes';
    const journal = Journal.open({ path: ':memory:', gateway: 'gw', lab: 'LAB', clock, commitIntervalMs: 0, log: silentLogger(), clockSync: { state: () => state } });
    const sealer = new Sealer({ journal, privateKey, clock, log: silentLogger() });
    sealer.start();
    await journal.appendAcquisition(acquisition(1, 'yes'));
    state = 'no';
    // Taken while the clock was still synchronised, committed after it lost sync: it keeps 'yes'.
    await journal.appendAcquisition(acquisition(2, 'yes'));
    await journal.appendEvent({ type: 'clock_sync_lost', time: 1_767_225_600_003, severity: 'warning', message: 'clock not synchronised' });
    // Taken unsynchronised: acquisition flagged its channel before the checks; the journal adds nothing.
    const unsynced = acquisition(4, 'no');
    unsynced.channels.dcv!.flags = ['clock_unsynced'];
    await journal.appendAcquisition(unsynced);
    await sealer.stop();
    const records = journal.range(1, 10);
    await journal.close();
    expect(records.map((r) => [r.kind, r.clock])).toEqual([
      ['acquisition', 'yes'],
      ['acquisition', 'yes'],
      ['event', 'no'],
      ['acquisition', 'no'],
      ['seal', 'no'],
    ]);
    const channel = (r: JournalRecord | undefined) => (r as AcquisitionRecord).channels.dcv!;
    expect(channel(records[0]).flags).toBeUndefined();
    expect(channel(records[1]).flags).toBeUndefined(); // no clock_unsynced added by the journal
    expect(channel(records[3]).flags).toEqual(['clock_unsynced']);
    expect(verifyRecords(records, { publicKeys: [publicKey] }).ok).toBe(true);
    // The provenance is covered by the hash: changing it breaks the record.
    const forged = structuredClone(records);
    (forged[3] as AcquisitionRecord).clock = 'yes';
    expect(verifyRecords(forged, { publicKeys: [publicKey] })).toMatchObject({ ok: false, seq: 4 });
    const forgedSeal = structuredClone(records);
    forgedSeal[4]!.clock = 'yes';
    expect(verifyRecords(forgedSeal, { publicKeys: [publicKey] })).toMatchObject({ ok: false, seq: 5 });
  });
});
