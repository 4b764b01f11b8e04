import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord, Reading } from '../../src/core/types.js';
import { hashRecord } from '../../src/integrity/canonical.js';
import { Journal, type JournalOptions } from '../../src/journal/index.js';

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

function reading(i: number, over: Partial<Reading> = {}): Reading {
  return { device: 'dmm', channel: 'ch1', quantity: 'voltage', value: 10 + i * 1e-9, unit: 'V', time: 1_000_000 + i * 1000, flags: [], ...over };
}

/** Every record re-hashes to its hash and links to its predecessor. */
function expectChain(records: JournalRecord[], firstPrev = ''): void {
  let prev = firstPrev;
  for (const r of records) {
    expect(r.prevHash).toBe(prev);
    expect(hashRecord(r)).toBe(r.hash);
    prev = r.hash;
  }
}

const seqs = (rs: JournalRecord[]) => rs.map((r) => r.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('Journal appends', () => {
  it('assigns gap-free increasing seqs across batches and across close/reopen, with a linked chain', async () => {
    const j = openJournal();
    const sizes: number[] = [];
    j.onCommit((rs) => sizes.push(rs.length));
    const first = await Promise.all(Array.from({ length: 1200 }, (_, i) => j.appendReading(reading(i), 'Z-732B')));
    expect(seqs(first)).toEqual(oneTo(1200));
    expect(sizes).toEqual([500, 500, 200]); // a batch commits as soon as 500 are pending
    expect(first[0]).toMatchObject({ gateway: 'gw-1', lab: 'PTB', kind: 'reading', standard: 'Z-732B', prevHash: '' });
    await j.close();

    const again = openJournal();
    expect(again.lastSeq).toBe(1200);
    const ev = await again.appendEvent({ type: 'restart', time: 5, severity: 'info', message: 'restarted' });
    const next = await again.appendReading(reading(2000));
    expect([ev.seq, next.seq]).toEqual([1201, 1202]);
    expect(ev.prevHash).toBe(first[1199]!.hash);

    const all = again.range(1, 10_000);
    expect(seqs(all)).toEqual(oneTo(1202));
    expectChain(all);
    expect(all.slice(0, 1200)).toEqual(first); // read back exactly as hashed
  });

  it('stores the annotations the checks add (standard, verdicts, verified) under the hash', async () => {
    const j = openJournal();
    const r = await j.appendReading(reading(1), {
      standard: 'Z-732B',
      verdicts: [{ check: 'drift', result: 'pass', value: 0.4 }],
      verified: true,
    });
    expect(r).toMatchObject({ standard: 'Z-732B', verdicts: [{ check: 'drift', result: 'pass', value: 0.4 }], verified: true });
    expect(j.range(1, 1)).toEqual([r]);
    expect(hashRecord(r)).toBe(r.hash);
  });

  it('resolves a single append on the commit timer without an explicit flush', async () => {
    const j = openJournal({ commitIntervalMs: 20 });
    const r = await j.appendReading(reading(1));
    expect(r.seq).toBe(1);
    expect(j.stats().records).toBe(1);
  });

  it('rejects a reading with no JSON form on its own, without consuming a seq', async () => {
    const j = openJournal();
    const results = await Promise.allSettled([
      j.appendReading(reading(1)),
      j.appendReading(reading(2, { value: Number.NaN })),
      j.appendReading(reading(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect(seqs(j.range(0, 10))).toEqual([1, 2]);
  });

  it('rolls back a failing transaction: the whole batch rejects and the next batch leaves no gap', async () => {
    const j = openJournal();
    await j.appendReading(reading(1));
    // Another connection installs a trigger that makes any insert for device 'boom' abort.
    const other = new Database(path);
    other.exec("CREATE TRIGGER boom BEFORE INSERT ON records WHEN NEW.device = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    other.close();

    const batch = [j.appendReading(reading(2)), j.appendReading(reading(3, { device: 'boom' })), j.appendReading(reading(4))];
    await expect(j.flush()).rejects.toThrow(/boom/);
    const settled = await Promise.allSettled(batch);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(j.lastSeq).toBe(1);
    expect(j.commitStats.failedBatches).toBe(1);

    const after = await j.appendReading(reading(5));
    expect(after.seq).toBe(2);
    const all = j.range(1, 10);
    expect(seqs(all)).toEqual([1, 2]);
    expectChain(all);
  });

  it('keeps committing when an onCommit listener throws, and gives listeners the committed records', async () => {
    const j = openJournal();
    const seen: number[] = [];
    j.onCommit(() => {
      throw new Error('listener bug');
    });
    j.onCommit((rs) => seen.push(...seqs(rs)));
    await j.appendReading(reading(1));
    await j.appendReading(reading(2));
    expect(seen).toEqual([1, 2]);
  });

  it('builds a seal over the exact record that precedes it', async () => {
    const j = openJournal();
    const heads: { seq: number; hash: string }[] = [];
    const [a, seal] = await Promise.all([
      j.appendReading(reading(1)),
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
    const queued = j.appendReading(reading(1));
    await j.close();
    expect((await queued).seq).toBe(1);
    await expect(j.appendReading(reading(2))).rejects.toMatchObject({ code: 'TG_JOURNAL_CLOSED' });
    expect(() => j.stats()).toThrow(TgError);
    const ro = openJournal({ readonly: true });
    expect(ro.range(1, 5)).toHaveLength(1);
    await expect(ro.appendReading(reading(3))).rejects.toMatchObject({ code: 'TG_JOURNAL_CLOSED' });
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
      ps.push(j.appendReading(reading(i, { device: devices[i % 2]!, channel: channels[Math.floor(i / 2) % 2]! })));
    }
    ps.push(j.appendEvent({ type: 'note', time: 9e12, severity: 'info', message: 'not a reading' }));
    await Promise.all(ps);

    const latest = j.recentReadings({ limit: 5 });
    expect(latest.map((r) => r.reading!.time)).toEqual([39, 38, 37, 36, 35].map((i) => 1_000_000 + i * 1000));
    expect(latest.every((r) => r.kind === 'reading')).toBe(true);

    const dmm = j.recentReadings({ device: 'dmm', limit: 100 });
    expect(dmm).toHaveLength(20);
    expect(dmm.every((r) => r.reading!.device === 'dmm')).toBe(true);
    const times = dmm.map((r) => r.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const one = j.recentReadings({ device: 'ptu', channel: 'ch2', limit: 100 });
    expect(one.map((r) => r.reading!.time)).toEqual([39, 35, 31, 27, 23, 19, 15, 11, 7, 3].map((i) => 1_000_000 + i * 1000));
    expect(j.recentReadings({ channel: 'ch2', limit: 100 })).toHaveLength(20);

    const recent = j.recentReadings({ device: 'dmm', since: 1_000_000 + 30_000, limit: 100 });
    expect(recent.map((r) => r.reading!.time)).toEqual([38, 36, 34, 32, 30].map((i) => 1_000_000 + i * 1000));
    expect(j.recentReadings({ device: 'nobody', limit: 10 })).toEqual([]);
    expect(j.recentEvents({ limit: 10 }).map((r) => r.event!.type)).toEqual(['note']);
  });

  it('range pages through records in seq order', async () => {
    const j = openJournal();
    await Promise.all(Array.from({ length: 25 }, (_, i) => j.appendReading(reading(i))));
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

  it('persists sink cursors across reopen and validates them', async () => {
    const j = openJournal();
    await Promise.all(Array.from({ length: 5 }, (_, i) => j.appendReading(reading(i))));
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
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.appendReading(reading(i))));
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
    const next = await again.appendReading(reading(50));
    expect(next).toMatchObject({ seq: 21, prevHash: anchor.hash });
  });

  it('stops at the first record that is still young, even if later ones are old', async () => {
    const j = openJournal();
    await j.appendReading(reading(1));
    await j.appendReading(reading(50)); // young
    await j.appendReading(reading(2)); // old, but after a young one
    expect(j.applyRetention(cutoffAfter(10))).toBe(1);
    expect(seqs(j.range(0, 10))).toEqual([2, 3]);
  });
});
