import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { EventRecord, JournalRecord } from '../../src/core/types.js';
import { Journal, type CommittedRecord, type JournalOptions } from '../../src/journal/index.js';
import { JournalQueries } from '../../src/journal/queries.js';
import { redact, SinkError, SinkRunner, type Delivered, type Sink, type SinkJournal } from '../../src/sinks/index.js';

/** A sink whose destination is an array; each delivery is answered by `answer` (default: all). */
class ArraySink implements Sink {
  readonly received: CommittedRecord[] = [];
  readonly batches: number[][] = [];
  answer: (batch: readonly CommittedRecord[]) => Promise<Delivered> | Delivered = (b) => ({ upTo: b[b.length - 1]!.seq });
  constructor(
    readonly name: string,
    readonly batchSize = 100,
    readonly flushIntervalMs = 0,
  ) {}
  async deliver(batch: readonly CommittedRecord[]): Promise<Delivered> {
    this.batches.push(batch.map((r) => r.seq));
    let result: Delivered;
    try {
      result = await this.answer(batch);
    } catch (err) {
      const upTo = err instanceof SinkError ? (err.upTo ?? 0) : 0;
      for (const r of batch) if (r.seq <= upTo) this.received.push(r); // a confirmed prefix
      throw err;
    }
    for (const r of batch) if (r.seq <= result.upTo) this.received.push(r);
    return result;
  }
  async close(): Promise<void> {}
}

const dirs: string[] = [];
const journals: Journal[] = [];
const runners: SinkRunner[] = [];

function openJournal(path?: string, over: Partial<JournalOptions> = {}): Journal {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'tg-sink-runner-')), 'journal.sqlite');
  if (!path) dirs.push(join(file, '..'));
  const j = Journal.open({ path: file, gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 1, log: silentLogger(), ...over });
  journals.push(j);
  return j;
}

function run(sink: Sink, journal: SinkJournal, extra: { cursorPersistMs?: number } = {}): SinkRunner {
  const r = new SinkRunner(sink, { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 5, maxMs: 20 }, ...extra });
  runners.push(r);
  r.start();
  return r;
}

async function append(j: Journal, n: number, time = Date.now()): Promise<JournalRecord[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      j.appendAcquisition({ device: 'd', time, clock: 'yes', channels: { c: { quantity: 'voltage', value: i, unit: 'V' }, t: { quantity: 'temperature', value: 23, unit: '°C' } } }),
    ),
  );
}

/** The journal as a runner sees it, but saying its next commit comes at `nextCommitAt()`. */
function withNextCommit(j: Journal, nextCommitAt: () => number): SinkJournal {
  return {
    get lastSeq() {
      return j.lastSeq;
    },
    entries: (from, limit) => j.entries(from, limit),
    cursor: (name) => j.cursor(name),
    setCursor: (name, seq) => j.setCursor(name, seq),
    onCommit: (listener) => j.onCommit(listener),
    appendEvent: (e) => j.appendEvent(e),
    tailReader: (cursor) => j.tailReader(cursor),
    nextCommitAt,
  };
}

const eventOf = (r: CommittedRecord): EventRecord['event'] | undefined => (r.record.kind === 'event' ? r.record.event : undefined);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const j of journals.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SinkRunner', () => {
  it('delivers every record once, in seq order, in batches of at most batchSize, and persists the cursor', async () => {
    const j = openJournal();
    await append(j, 250);
    const sink = new ArraySink('a', 100);
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await append(j, 30);
    await until('all delivered', () => sink.received.length === 280);
    expect(sink.received.map((r) => r.seq)).toEqual(Array.from({ length: 280 }, (_, i) => i + 1));
    expect(Math.max(...sink.batches.map((b) => b.length))).toBeLessThanOrEqual(100);
    await until('cursor persisted', () => j.cursor('a') === 280);
    const s = runner.status();
    expect(s).toMatchObject({ name: 'a', state: 'idle', cursor: 280, pending: 0, delivered: 280, lastError: null, lagSeconds: 0 });
  });

  it('moves the cursor only over what the sink confirmed, and resumes after it in a new runner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sink-runner-'));
    dirs.push(dir);
    const path = join(dir, 'journal.sqlite');
    const j = openJournal(path);
    await append(j, 50);
    const sink = new ArraySink('a', 50);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    sink.answer = async () => {
      await gate; // the destination has not answered yet
      return { upTo: 20 }; // and then confirms only a prefix
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('a delivery in flight', () => sink.batches.length === 1);
    expect(j.cursor('a')).toBe(0);
    expect(runner.status()).toMatchObject({ state: 'delivering', cursor: 0, pending: 50 });
    sink.answer = (b) => ({ upTo: b[b.length - 1]!.seq });
    release();
    await until('everything confirmed', () => runner.status().cursor === 50);
    expect(sink.batches[1]![0]).toBe(21); // resent from the confirmed prefix
    await runner.stop();
    runners.length = 0;
    await j.close();
    journals.length = 0;

    const again = openJournal(path);
    expect(again.cursor('a')).toBe(50);
    await append(again, 5);
    const next = new ArraySink('a', 50);
    run(next, again);
    await until('the new records', () => next.received.length === 5);
    expect(next.received.map((r) => r.seq)).toEqual([51, 52, 53, 54, 55]);
  });

  it('retries a failing sink with backoff from its cursor, keeps a confirmed prefix, and reports the error without secrets', async () => {
    const j = openJournal();
    await append(j, 40);
    const sink = new ArraySink('a', 40);
    let failures = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    sink.answer = async (b) => {
      failures += 1;
      if (failures === 1) throw new SinkError('connect ECONNREFUSED http://admin:s3cret@127.0.0.1:1', { upTo: 10 });
      if (failures <= 3) throw new Error('still down, password=s3cret');
      await gate; // the attempt that will succeed: hold it while the failure is inspected
      return { upTo: b[b.length - 1]!.seq };
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('three failures and a retry in flight', () => failures === 4);
    const during = runner.status();
    expect(during).toMatchObject({ state: 'delivering', cursor: 10 });
    expect(during.lastError).toMatch(/still down/); // why it fails, while it fails
    expect(during.lastErrorAt).not.toBeNull();
    expect(JSON.stringify(during)).not.toContain('s3cret');
    release();
    await until('delivered after the outage', () => runner.status().cursor === 40);
    const s = runner.status();
    expect(JSON.stringify(s)).not.toContain('s3cret');
    expect(sink.batches[1]![0]).toBe(11); // the confirmed prefix 1..10 was kept
    expect(sink.received.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('clears lastError once the sink delivers again, and keeps lastErrorAt (when the last failure was)', async () => {
    const j = openJournal();
    await append(j, 10);
    const sink = new ArraySink('a', 10);
    let failures = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    sink.answer = async (b) => {
      if (failures < 2) {
        failures += 1;
        throw new Error(`broker unreachable (attempt ${failures})`);
      }
      await gate; // the attempt that will succeed waits until the failure was looked at
      return { upTo: b[b.length - 1]!.seq };
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('two failures and a retry in flight', () => sink.batches.length === 3);
    const failing = runner.status();
    expect(failing.lastError).toBe('broker unreachable (attempt 2)');
    expect(failing.lastErrorAt).not.toBeNull();
    release();
    await until('delivered after the outage', () => runner.status().cursor === 10);
    const recovered = runner.status();
    expect(recovered.lastError).toBeNull();
    expect(recovered.lastErrorAt).toBe(failing.lastErrorAt); // no failure since: the same instant
    expect(Number.isNaN(Date.parse(recovered.lastErrorAt!))).toBe(false);
    expect(recovered.state).not.toBe('retrying');

    // A later failure is reported again, with its own time.
    sink.answer = () => {
      throw new Error('broker unreachable again');
    };
    await append(j, 1);
    await until('the new failure', () => runner.status().lastError === 'broker unreachable again');
    expect(Date.parse(runner.status().lastErrorAt!)).toBeGreaterThanOrEqual(Date.parse(failing.lastErrorAt!));
  });

  it('quarantines records the destination refuses for good with a journaled alarm, and goes on', async () => {
    const j = openJournal();
    await append(j, 30);
    const sink = new ArraySink('a', 30);
    sink.answer = (b) => (b[0]!.seq === 1 ? { upTo: b[b.length - 1]!.seq, rejected: [{ seqs: [7, 8], reason: 'field type conflict' }] } : { upTo: b[b.length - 1]!.seq });
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('past the batch', () => runner.status().cursor >= 30);
    const events = j.entries(31, 10).filter((r) => eventOf(r)?.type === 'sink_quarantine');
    expect(events).toHaveLength(1);
    expect(eventOf(events[0]!)).toMatchObject({ severity: 'alarm', data: { sink: 'a', count: 2, firstSeq: 7, lastSeq: 8, seqs: [7, 8], reason: 'field type conflict' } });
    await until('the quarantine event itself delivered', () => sink.received.some((r) => eventOf(r)?.type === 'sink_quarantine'));
    expect(runner.status().quarantined).toBe(2);
    await append(j, 3);
    await until('goes on', () => runner.status().cursor === j.lastSeq);
  });

  it('holds a partial batch for flushIntervalMs, and sends a full one at once', async () => {
    const j = openJournal();
    const sink = new ArraySink('a', 50, 1000);
    run(sink, j);
    await append(j, 10);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // the runner saw the commit
    expect(sink.batches).toHaveLength(0); // 10 < 50: waiting for more or for the interval
    await until('the partial batch after the interval', () => sink.batches.length === 1);
    expect(sink.batches[0]).toHaveLength(10);
    await append(j, 120);
    await until('full batches', () => sink.received.length === 130);
    expect(sink.batches.slice(1).map((b) => b.length).slice(0, 2)).toEqual([50, 50]);
  });

  it('sends a partial batch at the commit that brought it when no further commit can come before its flush deadline', async () => {
    const j = openJournal();
    const sink = new ArraySink('a', 50, 60_000);
    // As a journal whose next commit is two minutes away says it (a slow commit interval).
    const farCommits = withNextCommit(j, () => performance.now() + 120_000);
    run(sink, farCommits);
    await append(j, 10);
    // Not 60 s later: waiting would gather nothing, so it goes in the commit's wake-up.
    await until('the partial batch', () => sink.received.length === 10, 10_000);
    expect(sink.batches).toEqual([oneTo(10)]);
  });

  it('keeps a partial batch waiting while a commit may still come before its flush deadline', async () => {
    const j = openJournal();
    const sink = new ArraySink('a', 50, 400);
    const commitsSoon = withNextCommit(j, () => performance.now());
    run(sink, commitsSoon);
    await append(j, 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.batches).toHaveLength(0);
    await until('the partial batch after the interval', () => sink.received.length === 10);
  });

  it('persists its cursor at a commit when the write would fall due before the next commit, not on a timer of its own', async () => {
    const j = openJournal();
    const sink = new ArraySink('a', 50, 0);
    const farCommits = withNextCommit(j, () => performance.now() + 120_000);
    run(sink, farCommits, { cursorPersistMs: 60_000 });
    await append(j, 1);
    await until('the first cursor write (none was due yet)', () => j.cursor('a') === 1);
    await append(j, 1);
    await until('delivery', () => sink.received.length === 2);
    expect(j.cursor('a')).toBe(1); // written at most every 60 s: not yet
    await append(j, 1); // a commit, and the next one is 120 s away, past the cursor write's due time
    await until('the cursor written at the commit', () => j.cursor('a') >= 2, 10_000);
  });

  it('a sink that hangs never holds back another sink', async () => {
    const j = openJournal();
    const stuck = new ArraySink('stuck', 10);
    stuck.answer = () => new Promise<Delivered>(() => undefined);
    const healthy = new ArraySink('healthy', 10);
    const r1 = run(stuck, j);
    run(healthy, j);
    await append(j, 100);
    await until('the healthy sink has everything', () => healthy.received.length === 100);
    expect(r1.status()).toMatchObject({ state: 'delivering', cursor: 0, pending: 100 });
    expect(r1.status().lagSeconds).toBeGreaterThanOrEqual(0);
  });

  it('reports lag as the age of the oldest unconfirmed record', async () => {
    const j = openJournal();
    const sink = new ArraySink('a', 10);
    sink.answer = () => new Promise<Delivered>(() => undefined);
    const runner = run(sink, j);
    await append(j, 3, Date.now() - 60_000);
    await until('pending', () => runner.status().pending === 3);
    expect(runner.status().lagSeconds).toBeGreaterThanOrEqual(60);
  });
});

describe('SinkRunner and the journal\'s in-memory tail', () => {
  /** Every record committed, by seq: the very objects the journal's tail holds. */
  function committedObjects(j: Journal): Map<number, CommittedRecord> {
    const byseq = new Map<number, CommittedRecord>();
    j.onCommit((rs) => {
      for (const r of rs) byseq.set(r.seq, r);
    });
    return byseq;
  }

  it('a sink that fell behind the tail reads from SQLite and catches up with nothing lost and nothing repeated', async () => {
    const j = openJournal(undefined, { tail: { maxRecords: 10, maxBytes: 1 << 20, maxAgeMs: 60_000 } });
    const committed = committedObjects(j);
    const range = vi.spyOn(JournalQueries.prototype, 'range');
    try {
      await append(j, 50); // the tail holds 41..50 only
      const sink = new ArraySink('a', 20);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const answer = sink.answer;
      sink.answer = async (b) => {
        if (b[0]!.seq === 1) await gate; // the destination is slow while more is committed
        return answer(b);
      };
      const runner = run(sink, j, { cursorPersistMs: 0 });
      await until('the first delivery in flight', () => sink.batches.length === 1);
      await append(j, 100); // 51..150: the tail moves on to 141..150
      release();
      await until('caught up', () => runner.status().cursor === 150);

      // Nothing lost, nothing repeated, in order (this sink confirms everything: no resend).
      expect(sink.received.map((r) => r.seq)).toEqual(oneTo(150));
      expect(sink.batches.flat()).toEqual(oneTo(150));
      // Records read back from SQLite are equal to what was committed, bytes and objects...
      for (const r of sink.received) {
        const c = committed.get(r.seq)!;
        expect([r.seq, r.kind, r.time, r.json]).toEqual([c.seq, c.kind, c.time, c.json]);
        expect(r.record).toEqual(c.record);
      }
      // ...but the ones the runner read while behind are not the tail's objects: they came from SQLite,
      expect(range).toHaveBeenCalled();
      expect(sink.received.slice(0, 140).some((r) => r === committed.get(r.seq))).toBe(false);
      // and once it reached the tail (141..150), it was served from memory.
      expect(sink.received.slice(140).every((r) => r === committed.get(r.seq))).toBe(true);
    } finally {
      range.mockRestore();
    }
  });

  it('a sink that keeps up is served from the tail: the very records committed, SQLite never read', async () => {
    const j = openJournal();
    const committed = committedObjects(j);
    const sink = new ArraySink('a', 100);
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('registered and idle', () => runner.status().state === 'idle');
    const range = vi.spyOn(JournalQueries.prototype, 'range');
    const record = vi.spyOn(JournalQueries.prototype, 'record');
    try {
      for (let round = 0; round < 5; round++) {
        await append(j, 20);
        await until(`round ${round} delivered`, () => runner.status().cursor === j.lastSeq);
      }
      expect(sink.received.map((r) => r.seq)).toEqual(oneTo(100));
      expect(sink.received.every((r) => r === committed.get(r.seq))).toBe(true);
      expect(range).not.toHaveBeenCalled();
      expect(record).not.toHaveBeenCalled();
    } finally {
      range.mockRestore();
      record.mockRestore();
    }
  });
});

describe('SinkRunner cursor bounds', () => {
  it('a sink that confirms beyond its batch moves the cursor to the batch\'s last seq, not past it', async () => {
    const j = openJournal();
    await append(j, 30);
    const sink = new ArraySink('a', 10);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    sink.answer = async (b) => {
      if (b[0]!.seq === 1) return { upTo: 1000 }; // claims more than it was given
      if (b[0]!.seq === 11) await gate;
      return { upTo: b[b.length - 1]!.seq };
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('the second delivery in flight', () => sink.batches.length === 2);
    expect(sink.batches[1]![0]).toBe(11); // records 11..30 were not skipped
    expect(runner.status()).toMatchObject({ cursor: 10, delivered: 10, pending: 20 });
    expect(j.cursor('a')).toBe(10);
    release();
    await until('everything confirmed', () => runner.status().cursor === 30);
    expect(sink.batches.flat()).toEqual(oneTo(30)); // each record handed over once
    expect(runner.status().delivered).toBe(30);
  });

  it('a failure that claims a confirmed prefix beyond its batch keeps only the batch', async () => {
    const j = openJournal();
    await append(j, 30);
    const sink = new ArraySink('a', 10);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    sink.answer = async (b) => {
      calls += 1;
      if (calls === 1) throw new SinkError('connection reset after the batch', { upTo: 1000 });
      if (calls === 2) await gate;
      return { upTo: b[b.length - 1]!.seq };
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('the retry in flight', () => sink.batches.length === 2);
    expect(sink.batches[1]![0]).toBe(11);
    expect(runner.status().cursor).toBe(10);
    expect(j.cursor('a')).toBe(10);
    release();
    await until('everything confirmed', () => runner.status().cursor === 30);
    expect(sink.batches.flat()).toEqual(oneTo(30));
  });
});

describe('redact', () => {
  it('removes credentials from URLs, query strings and authorization headers', () => {
    const text = redact('GET http://admin:pa55@host:8086/write?u=admin&p=pa55 Authorization: Basic YWRtaW46cGE1NQ== password=pa55');
    expect(text).not.toContain('pa55');
    expect(text).not.toContain('YWRtaW46cGE1NQ');
    expect(text).toContain('host:8086');
  });
});

describe('SinkRunner and the journal\'s in-memory tail', () => {
  it('records every running sink confirmed leave the tail at once; a stopped sink holds nothing back', async () => {
    const journal = openJournal();
    const fast = new ArraySink('fast');
    const slow = new ArraySink('slow');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    slow.answer = async (b) => {
      await held;
      return { upTo: b[b.length - 1]!.seq };
    };
    run(fast, journal);
    const slowRunner = run(slow, journal);
    await append(journal, 5);
    await until('the fast sink', () => fast.received.length === 5);
    expect(journal.tailSize).toBe(5); // the slow sink has not confirmed them yet
    release();
    await until('the slow sink', () => slow.received.length === 5);
    await until('the tail to empty', () => journal.tailSize === 0);
    await slowRunner.stop();
    await append(journal, 3);
    await until('the fast sink', () => fast.received.length === 8);
    await until('the tail to empty', () => journal.tailSize === 0); // only running sinks count
    expect(fast.received.map((r) => r.seq)).toEqual(oneTo(8));
  });
});

