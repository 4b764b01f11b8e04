import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, AcquisitionRecord, ChannelReading, EventRecord, JournalRecord } from '../../src/core/types.js';
import { canonicalRecord, hashRecord, recordJson } from '../../src/integrity/canonical.js';
import { Journal, type CommittedRecord, type JournalOptions } from '../../src/journal/index.js';

let dir: string;
let path: string;
const open: Journal[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-journal-'));
  path = join(dir, 'data', 'journal.sqlite');
});

afterEach(async () => {
  for (const j of open.splice(0)) await j.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function openJournal(over: Partial<JournalOptions> = {}): Journal {
  const j = Journal.open({
    path,
    gateway: 'gw-1',
    lab: 'PTB',
    clock: new FakeClock(),
    commitIntervalMs: 1,
    log: silentLogger(),
    ...over,
  });
  open.push(j);
  return j;
}

/** The i-th acquisition: one DMM channel `ch1` near 10 V at 1_000_000 + i s·1000 (`over` sets the
 *  device, channel name, time, and the channel's own fields). */
function acquisition(
  i: number,
  over: { device?: string; channel?: string; time?: number } & Partial<ChannelReading> = {},
): Acquisition {
  const { device = 'dmm', channel = 'ch1', time = 1_000_000 + i * 1000, ...fields } = over;
  return { device, time, clock: 'yes', channels: { [channel]: { quantity: 'voltage', value: 10 + i * 1e-9, unit: 'V', ...fields } } };
}

const asAcquisition = (r: JournalRecord | undefined): AcquisitionRecord => {
  expect(r?.kind).toBe('acquisition');
  return r as AcquisitionRecord;
};
const asEvent = (r: JournalRecord | undefined): EventRecord => {
  expect(['event', 'seal']).toContain(r?.kind);
  return r as EventRecord;
};

/** Every record re-hashes to its hash and links to its predecessor. */
function expectChain(records: JournalRecord[], firstPrev = ''): void {
  let prev = firstPrev;
  for (const r of records) {
    expect(r.prevHash).toBe(prev);
    expect(hashRecord(r)).toBe(r.hash);
    prev = r.hash;
  }
}

const seqs = (rs: readonly { seq: number }[]) => rs.map((r) => r.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('Journal appends', () => {
  it('assigns gap-free increasing seqs across batches and across close/reopen, with a linked chain', async () => {
    const j = openJournal();
    const sizes: number[] = [];
    j.onCommit((rs) => sizes.push(rs.length));
    const first = await Promise.all(Array.from({ length: 1200 }, (_, i) => j.appendAcquisition(acquisition(i, { standard: 'Z-732B' }))));
    expect(seqs(first)).toEqual(oneTo(1200));
    expect(sizes).toEqual([500, 500, 200]); // a batch commits as soon as 500 are pending
    expect(first[0]).toMatchObject({
      v: 2,
      gateway: 'gw-1',
      lab: 'PTB',
      kind: 'acquisition',
      device: 'dmm',
      clock: 'yes',
      channels: { ch1: { standard: 'Z-732B' } },
      prevHash: '',
    });
    await j.close();

    const again = openJournal();
    expect(again.lastSeq).toBe(1200);
    const ev = await again.appendEvent({ type: 'restart', time: 5, severity: 'info', message: 'restarted' });
    const next = await again.appendAcquisition(acquisition(2000));
    expect([ev.seq, next.seq]).toEqual([1201, 1202]);
    expect(ev.prevHash).toBe(first[1199]!.hash);

    const all = again.range(1, 10_000);
    expect(seqs(all)).toEqual(oneTo(1202));
    expectChain(all);
    expect(all.slice(0, 1200)).toEqual(first); // read back exactly as hashed
  });

  it('stores every channel of an acquisition, with the annotations the checks add (standard, verdicts, verified), under the hash', async () => {
    const j = openJournal();
    const acq: Acquisition = {
      device: 'dmm',
      time: 1_000_000,
      clock: 'no',
      channels: {
        dcv: {
          quantity: 'voltage',
          value: 10.000_001,
          unit: 'V',
          u: 2e-8,
          flags: ['clock_unsynced'],
          extra: { nplc: 100, range: '10 V', autozero: true },
          standard: 'Z-732B',
          verdicts: [{ check: 'drift', result: 'pass', value: 0.4 }],
          verified: true,
        },
        temp: { quantity: 'temperature', value: null, unit: '°C', flags: ['parse_error'] },
      },
    };
    const expected = structuredClone(acq);
    const r = await j.appendAcquisition(acq);
    expect(r).toMatchObject({ kind: 'acquisition', device: 'dmm', time: 1_000_000, clock: 'no', channels: expected.channels });
    await j.close();
    const again = openJournal(); // read back from the file, not from memory
    const [back] = again.range(1, 1);
    expect(back).toStrictEqual(r); // no field added, none lost, none set to undefined
    expect(asAcquisition(back).channels).toStrictEqual(expected.channels);
    expect(hashRecord(back!)).toBe(r.hash);
  });

  it('resolves a single append on the commit timer without an explicit flush', async () => {
    const j = openJournal({ commitIntervalMs: 20 });
    const r = await j.appendAcquisition(acquisition(1));
    expect(r.seq).toBe(1);
    expect(j.stats().records).toBe(1);
  });

  it('commits on the grid of its interval: at the first multiple of it after the first queued record', async () => {
    const j = openJournal({ commitIntervalMs: 50 });
    const queuedAt = performance.now();
    const pending = j.appendAcquisition(acquisition(1));
    const due = j.nextCommitAt();
    expect(due % 50).toBe(0);
    expect(due).toBeGreaterThan(queuedAt);
    expect(due - queuedAt).toBeLessThanOrEqual(50);
    await pending;
    expect(performance.now()).toBeGreaterThanOrEqual(due - 1); // at most 1 ms early, like any Node timer
  });

  it('rejects an acquisition with no JSON form on its own, without consuming a seq', async () => {
    const j = openJournal();
    const results = await Promise.allSettled([
      j.appendAcquisition(acquisition(1)),
      j.appendAcquisition(acquisition(2, { value: Number.NaN })),
      j.appendAcquisition(acquisition(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect(seqs(j.range(0, 10))).toEqual([1, 2]);
  });

  it('rolls back a failing transaction: the whole batch rejects and the next batch leaves no gap', async () => {
    const j = openJournal();
    await j.appendAcquisition(acquisition(1));
    // Another connection installs a trigger that makes any insert for device 'boom' abort.
    const other = new Database(path);
    other.exec("CREATE TRIGGER boom BEFORE INSERT ON records WHEN NEW.device = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    other.close();

    const batch = [
      j.appendAcquisition(acquisition(2)),
      j.appendAcquisition(acquisition(3, { device: 'boom' })),
      j.appendAcquisition(acquisition(4)),
    ];
    await expect(j.flush()).rejects.toThrow(/boom/);
    const settled = await Promise.allSettled(batch);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(j.lastSeq).toBe(1);
    expect(j.commitStats.failedBatches).toBe(1);

    const after = await j.appendAcquisition(acquisition(5));
    expect(after.seq).toBe(2);
    const all = j.range(1, 10);
    expect(seqs(all)).toEqual([1, 2]);
    expectChain(all);
  });

  it('keeps committing when an onCommit listener throws, and gives listeners the committed records', async () => {
    const j = openJournal();
    const seen: CommittedRecord[] = [];
    j.onCommit(() => {
      throw new Error('listener bug');
    });
    j.onCommit((rs) => seen.push(...rs));
    const a = await j.appendAcquisition(acquisition(1));
    const b = await j.appendAcquisition(acquisition(2));
    expect(seqs(seen)).toEqual([1, 2]);
    expect(seen.map((c) => c.record)).toEqual([a, b]);
    expect(seen.map((c) => [c.kind, c.time])).toEqual([['acquisition', a.time], ['acquisition', b.time]]);
    // The bytes the sinks send: the record's JSON with the hash first.
    expect(seen.map((c) => JSON.parse(c.json) as unknown)).toEqual([a, b]);
    expect(seen[0]!.json.startsWith(`{"hash":"${a.hash}",`)).toBe(true);
  });

  it('builds a seal over the exact record that precedes it', async () => {
    const j = openJournal();
    const heads: { seq: number; hash: string }[] = [];
    const [a, seal] = await Promise.all([
      j.appendAcquisition(acquisition(1)),
      j.appendSeal((head) => {
        heads.push(head);
        return { type: 'seal', time: 9, severity: 'info', message: 'sealed', data: { headSeq: head.seq, headHash: head.hash } };
      }),
    ]);
    expect(heads).toEqual([{ seq: a.seq, hash: a.hash }]);
    expect(seal).toMatchObject({ kind: 'seal', seq: 2, prevHash: a.hash });
    expect(j.head).toEqual({ seq: 2, hash: seal.hash });
  });

  it('rejects appends and queries after close with TG_JOURNAL_CLOSED, after flushing what was queued', async () => {
    const j = openJournal({ commitIntervalMs: 10_000 });
    const queued = j.appendAcquisition(acquisition(1));
    await j.close();
    expect((await queued).seq).toBe(1);
    await expect(j.appendAcquisition(acquisition(2))).rejects.toMatchObject({ code: 'TG_JOURNAL_CLOSED' });
    expect(() => j.stats()).toThrow(TgError);
    const ro = openJournal({ readonly: true });
    expect(ro.range(1, 5)).toHaveLength(1);
    await expect(ro.appendAcquisition(acquisition(3))).rejects.toMatchObject({ code: 'TG_JOURNAL_CLOSED' });
  });

  it('refuses a journal written by another gateway id with TG_CONFIG_INVALID', async () => {
    await openJournal().close();
    expect(() => openJournal({ gateway: 'gw-2' })).toThrow(/belongs to gateway "gw-1", not "gw-2"/);
    try {
      openJournal({ gateway: 'gw-2' });
    } catch (err) {
      expect((err as TgError).code).toBe('TG_CONFIG_INVALID');
    }
  });
});

describe('Journal queries', () => {
  it('recentReadings filters by device, channel and since, newest first, at most limit', async () => {
    const j = openJournal();
    const devices = ['dmm', 'ptu'];
    const channels = ['ch1', 'ch2'];
    const ps: Promise<JournalRecord>[] = [];
    for (let i = 0; i < 40; i++) {
      ps.push(j.appendAcquisition(acquisition(i, { device: devices[i % 2]!, channel: channels[Math.floor(i / 2) % 2]! })));
    }
    ps.push(j.appendEvent({ type: 'note', time: 9e12, severity: 'info', message: 'not a reading' }));
    await Promise.all(ps);

    const latest = j.recentReadings({ limit: 5 });
    expect(latest.map((r) => r.time)).toEqual([39, 38, 37, 36, 35].map((i) => 1_000_000 + i * 1000));
    expect(seqs(latest)).toEqual([40, 39, 38, 37, 36]); // the event (seq 41) is not a reading
    expect(latest[0]).toEqual({ seq: 40, device: 'ptu', channel: 'ch2', quantity: 'voltage', value: 10 + 39e-9, unit: 'V', time: 1_039_000, flags: [] });

    const dmm = j.recentReadings({ device: 'dmm', limit: 100 });
    expect(dmm).toHaveLength(20);
    expect(dmm.every((r) => r.device === 'dmm')).toBe(true);
    const times = dmm.map((r) => r.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const one = j.recentReadings({ device: 'ptu', channel: 'ch2', limit: 100 });
    expect(one.map((r) => r.time)).toEqual([39, 35, 31, 27, 23, 19, 15, 11, 7, 3].map((i) => 1_000_000 + i * 1000));
    expect(one.every((r) => r.device === 'ptu' && r.channel === 'ch2')).toBe(true);
    expect(j.recentReadings({ channel: 'ch2', limit: 100 })).toHaveLength(20);

    const recent = j.recentReadings({ device: 'dmm', since: 1_000_000 + 30_000, limit: 100 });
    expect(recent.map((r) => r.time)).toEqual([38, 36, 34, 32, 30].map((i) => 1_000_000 + i * 1000));
    expect(j.recentReadings({ device: 'nobody', limit: 10 })).toEqual([]);
    expect(j.recentEvents({ limit: 10 }).map((r) => asEvent(r).event.type)).toEqual(['note']);
  });

  it('recentReadings lists every channel of an acquisition (name order, its time and seq), and limit counts readings', async () => {
    const j = openJournal();
    const three = (i: number): Acquisition => ({
      device: 'ptu',
      time: 2_000_000 + i * 1000,
      clock: 'yes',
      channels: {
        T: { quantity: 'temperature', value: 20 + i, unit: '°C', standard: 'PTU-1', verified: true },
        P: { quantity: 'pressure', value: 1013 + i, unit: 'hPa', flags: ['settling'] },
        RH: { quantity: 'humidity', value: 40 + i, unit: '%' },
      },
    });
    await Promise.all([0, 1, 2].map((i) => j.appendAcquisition(three(i))));
    const all = j.recentReadings({ device: 'ptu', limit: 100 });
    expect(all.map((r) => [r.seq, r.channel, r.time])).toEqual([
      [3, 'P', 2_002_000], [3, 'RH', 2_002_000], [3, 'T', 2_002_000],
      [2, 'P', 2_001_000], [2, 'RH', 2_001_000], [2, 'T', 2_001_000],
      [1, 'P', 2_000_000], [1, 'RH', 2_000_000], [1, 'T', 2_000_000],
    ]);
    expect(all[0]).toEqual({ seq: 3, device: 'ptu', channel: 'P', quantity: 'pressure', value: 1015, unit: 'hPa', time: 2_002_000, flags: ['settling'] });
    expect(all[2]).toEqual({ seq: 3, device: 'ptu', channel: 'T', quantity: 'temperature', value: 22, unit: '°C', time: 2_002_000, flags: [], standard: 'PTU-1', verified: true });
    expect(j.recentReadings({ device: 'ptu', limit: 4 }).map((r) => [r.seq, r.channel])).toEqual([[3, 'P'], [3, 'RH'], [3, 'T'], [2, 'P']]);
    expect(j.recentReadings({ device: 'ptu', channel: 'RH', limit: 100 }).map((r) => [r.seq, r.value])).toEqual([[3, 42], [2, 41], [1, 40]]);
    expect(seqs(j.recentAcquisitions({ device: 'ptu', limit: 2 }))).toEqual([3, 2]);
  });

  it('range pages through records in seq order', async () => {
    const j = openJournal();
    await Promise.all(Array.from({ length: 25 }, (_, i) => j.appendAcquisition(acquisition(i))));
    const pages: number[][] = [];
    for (let from = 1; ; ) {
      const page = j.range(from, 10);
      if (page.length === 0) break;
      pages.push(seqs(page));
      from = page.at(-1)!.seq + 1;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(oneTo(25));
    expect(j.range(26, 10)).toEqual([]);
  });

  it('entries gives seq, kind, time, the exact JSON and the record, the same from memory and from the file', async () => {
    const j = openJournal();
    const committed = await Promise.all([
      j.appendAcquisition(acquisition(1)),
      j.appendEvent({ type: 'note', time: 5, severity: 'info', message: 'between', device: 'dmm' }),
      j.appendAcquisition(acquisition(2, { flags: ['timeout'], value: null })),
    ]);
    const check = (entries: CommittedRecord[]) => {
      expect(entries.map((e) => [e.seq, e.kind, e.time])).toEqual([
        [1, 'acquisition', 1_001_000],
        [2, 'event', 5],
        [3, 'acquisition', 1_002_000],
      ]);
      expect(entries.map((e) => e.record)).toEqual(committed);
      // The JSON is the hash first, then the canonical body that was hashed.
      expect(entries.map((e) => e.json)).toEqual(committedJson(committed));
      for (const e of entries) expect(JSON.parse(e.json)).toEqual(e.record);
    };
    check(j.entries(1, 10)); // the in-memory tail
    expect(j.entries(2, 1).map((e) => e.seq)).toEqual([2]);
    expect(j.entries(4, 10)).toEqual([]);
    expect(j.entries(1, 0)).toEqual([]);
    await j.close();
    const again = openJournal({ readonly: true }); // SQLite only
    check(again.entries(1, 10));
    expect(again.record(2)).toEqual(committed[1]);
    expect(again.record(4)).toBeUndefined();
  });

  it('persists sink cursors across reopen and validates them', async () => {
    const j = openJournal();
    await Promise.all(Array.from({ length: 5 }, (_, i) => j.appendAcquisition(acquisition(i))));
    expect(j.cursor('influx')).toBe(0); // registers the sink
    j.setCursor('influx', 3);
    j.setCursor('mqtt', 5);
    expect(() => j.setCursor('mqtt', 6)).toThrow(RangeError);
    await j.close();
    const again = openJournal();
    expect(again.cursor('influx')).toBe(3);
    expect(again.cursor('mqtt')).toBe(5);
    expect(again.cursors().map((c) => [c.name, c.seq])).toEqual([['influx', 3], ['mqtt', 5]]);
  });
});

describe('Journal retention', () => {
  // Record i has time 1_000_000 + i*1000 (seq i+1).
  const cutoffAfter = (i: number) => 1_000_000 + i * 1000 + 1;

  it('deletes only old records that every registered sink delivered, and keeps the rest one chain', async () => {
    const j = openJournal();
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.appendAcquisition(acquisition(i))));
    j.cursor('influx');
    expect(j.applyRetention(cutoffAfter(19))).toBe(0); // a sink at 0 holds everything back

    j.setCursor('influx', 8);
    j.setCursor('mqtt', 12);
    expect(j.applyRetention(cutoffAfter(4))).toBe(5); // age bounds: seqs 1..5 (times 0..4)
    expect(j.applyRetention(cutoffAfter(19))).toBe(3); // cursor bounds: up to min cursor 8
    expect(j.stats()).toMatchObject({ records: 12, firstSeq: 9, lastSeq: 20 });
    const left = j.range(0, 100);
    expect(j.anchor()).toEqual({ seq: 8, hash: left[0]!.prevHash });
    expectChain(left, left[0]!.prevHash);

    j.removeCursor('influx');
    j.setCursor('mqtt', 20);
    expect(j.applyRetention(cutoffAfter(100))).toBe(12);
    expect(j.stats()).toMatchObject({ records: 0, firstSeq: null, lastSeq: 20 });
    const anchor = j.anchor()!;
    await j.close();

    // Emptied by retention, the journal continues its numbering and chain from the anchor.
    const again = openJournal();
    expect(again.lastSeq).toBe(20);
    const next = await again.appendAcquisition(acquisition(50));
    expect(next).toMatchObject({ seq: 21, prevHash: anchor.hash });
  });

  it('stops at the first record that is still young, even if later ones are old', async () => {
    const j = openJournal();
    await j.appendAcquisition(acquisition(1));
    await j.appendAcquisition(acquisition(50)); // young
    await j.appendAcquisition(acquisition(2)); // old, but after a young one
    expect(j.applyRetention(cutoffAfter(10))).toBe(1);
    expect(seqs(j.range(0, 10))).toEqual([2, 3]);
  });

  it('entries and record never return a record retention deleted, though it was still in the in-memory tail', async () => {
    const j = openJournal(); // the default tail holds far more than these 20 records
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => j.appendAcquisition(acquisition(i))));
    expect(seqs(j.entries(1, 100))).toEqual(oneTo(20));
    j.setCursor('influx', 20);
    expect(j.applyRetention(cutoffAfter(7))).toBe(8); // seqs 1..8
    const inFile = fileSeqs();
    expect(inFile).toEqual(oneTo(20).slice(8));

    expect(seqs(j.entries(1, 100))).toEqual(inFile);
    for (let seq = 1; seq <= 8; seq++) {
      expect(j.entries(seq, 1).map((e) => e.seq)).toEqual([9]); // the next record that exists
      expect(j.record(seq)).toBeUndefined();
    }
    expect(seqs(j.range(0, 100))).toEqual(inFile);
    expect(j.entries(9, 100).map((e) => e.record)).toEqual(all.slice(8));

    // New commits after the deletion extend what is left, without a hole or a stale record.
    await j.appendAcquisition(acquisition(21));
    expect(seqs(j.entries(1, 100))).toEqual([...inFile, 21]);
  });
});

/** The seqs actually in the file, through a connection of its own. */
function fileSeqs(): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT seq FROM records ORDER BY seq').pluck().all() as number[];
  } finally {
    db.close();
  }
}

/** `{"hash":"<hex>",` + the canonical body without its hash, computed here from the objects. */
function committedJson(records: JournalRecord[]): string[] {
  return records.map((r) => {
    const { hash, ...rest } = r;
    expect(hashRecord(rest)).toBe(hash);
    return recordJson(canonicalRecord(rest), hash);
  });
}
