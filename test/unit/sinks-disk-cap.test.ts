import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import Database from 'better-sqlite3';
import type { AcquisitionRecord, EventRecord, JournalRecord } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { MAX_HELD } from '../../src/journal/disk-cap.js';
import type { TailLimits } from '../../src/journal/tail.js';

const CAP = 256 * 1024;
const dirs: string[] = [];
const journals: Journal[] = [];

function open(policy: 'stop' | 'drop_oldest', tail?: TailLimits): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cap-'));
  dirs.push(dir);
  const j = Journal.open({
    path: join(dir, 'journal.sqlite'),
    gateway: 'gw',
    lab: 'LAB',
    clock: systemClock,
    commitIntervalMs: 1,
    log: silentLogger(),
    maxSizeBytes: CAP,
    fullPolicy: policy,
    ...(tail ? { tail } : {}),
  });
  journals.push(j);
  return j;
}

let value = 0;
function append(j: Journal): Promise<JournalRecord> {
  value += 1;
  return j.appendAcquisition({
    device: 'dmm',
    time: Date.now(),
    clock: 'yes',
    channels: { ch1: { quantity: 'voltage', value, unit: 'V', u: 1e-7, extra: { note: 'x'.repeat(200) } } },
  });
}

const turn = () => new Promise((r) => setImmediate(r));

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const isEvent = (r: JournalRecord, type: string): r is EventRecord => (r.kind === 'event' || r.kind === 'seal') && r.event.type === type;

function events(j: Journal, type: string): EventRecord[] {
  return j.range(1, 1_000_000).filter((r): r is EventRecord => isEvent(r, type));
}

/** The value of an acquisition's one channel. */
const valueOf = (r: JournalRecord): number | null => (r as AcquisitionRecord).channels.ch1!.value;

/** The seqs actually in the journal's file, through a connection of its own. */
function fileSeqs(j: Journal): number[] {
  const db = new Database(j.path, { readonly: true });
  try {
    return db.prepare('SELECT seq FROM records ORDER BY seq').pluck().all() as number[];
  } finally {
    db.close();
  }
}

afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('journal size cap', () => {
  it('drop_oldest: drops the oldest undelivered records, counts them and journals gaps that account for every missing seq', async () => {
    const j = open('drop_oldest');
    j.cursor('platform'); // a sink that has delivered nothing
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(Array.from({ length: 250 }, () => append(j)));
      await turn();
    }
    await j.flush();
    await turn(); // the last check (it may drop once more)
    await j.flush(); // and its gap event
    const cap = j.capStats()!;
    expect(cap.dropped).toBeGreaterThan(0);
    expect(cap.gaps).toBeGreaterThan(1);
    expect(cap.usedBytes).toBeLessThan(CAP * 1.2);

    const remaining = j.range(1, 1_000_000);
    const gaps = remaining.filter((r): r is EventRecord => isEvent(r, 'gap'));
    const data = gaps.map((g) => g.event.data as { firstSeq: number; lastSeq: number; count: number });
    // Every missing seq was dropped (nothing was delivered, so nothing was trimmed)...
    expect(cap.trimmed).toBe(0);
    expect(cap.dropped).toBe(remaining[0]!.seq - 1);
    // ...and the gap events still in the journal account for all of them: a gap event that was
    // itself dropped handed its range and count over to a later one (so fewer remain than were
    // written), and together the remaining ones name the whole missing prefix and its count.
    // (How many remain depends on how many records one drop removes: a gap event journaled right
    // after a drop survives the next drop when that one removes fewer records than followed it.)
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.length).toBeLessThan(cap.gaps);
    expect(Math.min(...data.map((d) => d.firstSeq))).toBe(1);
    expect(Math.max(...data.map((d) => d.lastSeq))).toBe(remaining[0]!.seq - 1);
    expect(data.reduce((n, d) => n + d.count, 0)).toBe(cap.dropped);
    expect(gaps.every((g) => g.event.severity === 'alarm')).toBe(true);
    // What is left is one unbroken chain hanging from the retention anchor.
    expect(remaining[0]!.prevHash).toBe(j.anchor()!.hash);
    for (let i = 1; i < remaining.length; i++) expect(remaining[i]!.prevHash).toBe(remaining[i - 1]!.hash);
    expect(j.stats().records).toBe(remaining.length);
  });

  it('a WAL that one large commit swelled past the cap is checkpointed, not taken for a full journal', async () => {
    const j = open('stop');
    j.cursor('platform'); // nothing delivered: a real cap would have to pause
    await Promise.all(Array.from({ length: 100 }, () => append(j))); // one commit of about 40 KB
    const swollen = j.capStats()!;
    expect(swollen.usedBytes).toBeGreaterThanOrEqual(CAP); // the WAL holds several times the records
    await turn(); // the cap's check
    const cap = j.capStats()!;
    expect(cap.full).toBe(false);
    expect(events(j, 'journal_full')).toHaveLength(0);
    await expect(append(j)).resolves.toMatchObject({ kind: 'acquisition' });
  });

  it('stop: acquisitions wait at the cap with a journal_full alarm, and resume with journal_resumed once the sink caught up', async () => {
    const j = open('stop');
    j.cursor('platform');
    const waiting: Promise<JournalRecord>[] = [];
    while (!j.capStats()!.full) {
      await Promise.all(Array.from({ length: 100 }, () => append(j)));
      await turn();
    }
    for (let i = 0; i < 50; i++) waiting.push(append(j));
    expect(j.capStats()).toMatchObject({ full: true, held: 50, dropped: 0 });
    await until('the journal_full event', () => events(j, 'journal_full').length === 1);
    const lastBefore = j.lastSeq;
    const full = events(j, 'journal_full')[0]!;
    expect(full.event).toMatchObject({ severity: 'alarm', data: { policy: 'stop' } });
    // Events are never held: the gateway can still say what happens.
    await j.appendEvent({ type: 'note', severity: 'info', time: Date.now(), message: 'still journaling events' });

    j.setCursor('platform', j.lastSeq); // the sink delivered everything
    const resumed = await Promise.all(waiting);
    expect(resumed.map((r) => r.seq).every((s) => s > lastBefore)).toBe(true);
    expect(resumed.map(valueOf)).toEqual([...resumed].sort((a, b) => a.seq - b.seq).map(valueOf));
    const cap = j.capStats()!;
    expect(cap).toMatchObject({ full: false, held: 0, dropped: 0, refused: 0 });
    expect(cap.trimmed).toBeGreaterThan(0);
    const back = events(j, 'journal_resumed');
    expect(back).toHaveLength(1);
    expect(back[0]!.event.data).toMatchObject({ policy: 'stop', refused: 0 });
  });

  it('stop: beyond the waiting limit an acquisition is refused with TG_JOURNAL_FULL and counted', async () => {
    const j = open('stop');
    j.cursor('platform');
    while (!j.capStats()!.full) {
      await Promise.all(Array.from({ length: 100 }, () => append(j)));
      await turn();
    }
    const held = Array.from({ length: MAX_HELD }, () => append(j));
    await expect(append(j)).rejects.toMatchObject({ code: 'TG_JOURNAL_FULL' });
    expect(j.capStats()).toMatchObject({ held: MAX_HELD, refused: 1 });
    j.setCursor('platform', j.lastSeq);
    await until('resumed', () => events(j, 'journal_resumed').length === 1);
    expect(events(j, 'journal_resumed')[0]!.event.data).toMatchObject({ refused: 1 });
    await Promise.all(held);
  });

  it('delivered records make room first: a sink that keeps up never lets the cap stop or drop anything', async () => {
    const j = open('stop');
    j.cursor('platform');
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(Array.from({ length: 250 }, () => append(j)));
      j.setCursor('platform', j.lastSeq);
      await turn();
    }
    const cap = j.capStats()!;
    expect(cap).toMatchObject({ full: false, dropped: 0, refused: 0 });
    expect(cap.trimmed).toBeGreaterThan(0);
    expect(events(j, 'journal_full')).toHaveLength(0);
  });

  it('with no sink registered nothing counts as delivered: drop_oldest journals the drops', async () => {
    const j = open('drop_oldest');
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(Array.from({ length: 250 }, () => append(j)));
      await turn();
    }
    await turn();
    await j.flush(); // the gap event is queued by the check
    expect(j.capStats()!.trimmed).toBe(0);
    expect(j.capStats()!.dropped).toBeGreaterThan(0);
    expect(events(j, 'gap').length).toBeGreaterThan(0);
  });

  it('entries never serves a record the cap deleted, though the in-memory tail still held it', async () => {
    // A tail large enough to hold every record committed here: whatever the cap deletes was in it.
    const j = open('drop_oldest', { maxRecords: 1_000_000, maxBytes: 1 << 30, maxAgeMs: 3_600_000 });
    j.cursor('platform');
    const seen: number[] = [];
    j.onCommit((rs) => seen.push(...rs.map((r) => r.seq)));
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(Array.from({ length: 250 }, () => append(j)));
      await turn();
    }
    await turn();
    await j.flush();
    const inFile = fileSeqs(j);
    const first = inFile[0]!;
    expect(j.capStats()!.dropped).toBeGreaterThan(0);
    expect(first).toBeGreaterThan(1); // a prefix was deleted...
    expect(seen[0]).toBe(1); // ...that had been committed (and so pushed to the tail) in this process
    expect(j.entries(1, 1_000_000).map((r) => r.seq)).toEqual(inFile);
    for (const seq of [1, Math.floor(first / 2), first - 1]) {
      expect(j.entries(seq, 1)[0]!.seq).toBe(first); // the first record that still exists
      expect(j.record(seq)).toBeUndefined();
    }
    expect(j.range(1, 1_000_000).map((r) => r.seq)).toEqual(inFile);
  });
});
