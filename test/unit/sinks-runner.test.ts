import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { redact, SinkError, SinkRunner, type Delivered, type Sink } from '../../src/sinks/index.js';

/** A sink whose destination is an array; each delivery is answered by `answer` (default: all). */
class ArraySink implements Sink {
  readonly received: JournalRecord[] = [];
  readonly batches: number[][] = [];
  answer: (batch: readonly JournalRecord[]) => Promise<Delivered> | Delivered = (b) => ({ upTo: b[b.length - 1]!.seq });
  constructor(
    readonly name: string,
    readonly batchSize = 100,
    readonly flushIntervalMs = 0,
  ) {}
  async deliver(batch: readonly JournalRecord[]): Promise<Delivered> {
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

function openJournal(path?: string): Journal {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'tg-sink-runner-')), 'journal.sqlite');
  if (!path) dirs.push(join(file, '..'));
  const j = Journal.open({ path: file, gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 1, log: silentLogger() });
  journals.push(j);
  return j;
}

function run(sink: Sink, journal: Journal, extra: { cursorPersistMs?: number } = {}): SinkRunner {
  const r = new SinkRunner(sink, { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 5, maxMs: 20 }, ...extra });
  runners.push(r);
  r.start();
  return r;
}

async function append(j: Journal, n: number, time = Date.now()): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => j.appendReading({ device: 'd', channel: 'c', quantity: 'voltage', value: i, unit: 'V', time, flags: [] })),
  );
}

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
    sink.answer = (b) => {
      failures += 1;
      if (failures === 1) throw new SinkError('connect ECONNREFUSED http://admin:s3cret@127.0.0.1:1', { upTo: 10 });
      if (failures <= 3) throw new Error('still down, password=s3cret');
      return { upTo: b[b.length - 1]!.seq };
    };
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('the first failures', () => failures >= 2);
    const during = runner.status();
    expect(['retrying', 'delivering']).toContain(during.state);
    await until('delivered after the outage', () => runner.status().cursor === 40);
    const s = runner.status();
    expect(s.lastError).not.toBeNull();
    expect(JSON.stringify(s)).not.toContain('s3cret');
    expect(sink.batches[1]![0]).toBe(11); // the confirmed prefix 1..10 was kept
    expect(sink.received.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('quarantines records the destination refuses for good with a journaled alarm, and goes on', async () => {
    const j = openJournal();
    await append(j, 30);
    const sink = new ArraySink('a', 30);
    sink.answer = (b) => (b[0]!.seq === 1 ? { upTo: b[b.length - 1]!.seq, rejected: [{ seqs: [7, 8], reason: 'field type conflict' }] } : { upTo: b[b.length - 1]!.seq });
    const runner = run(sink, j, { cursorPersistMs: 0 });
    await until('past the batch', () => runner.status().cursor >= 30);
    const events = j.range(31, 10).filter((r) => r.event?.type === 'sink_quarantine');
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({ severity: 'alarm', data: { sink: 'a', count: 2, firstSeq: 7, lastSeq: 8, seqs: [7, 8], reason: 'field type conflict' } });
    await until('the quarantine event itself delivered', () => sink.received.some((r) => r.event?.type === 'sink_quarantine'));
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

describe('redact', () => {
  it('removes credentials from URLs, query strings and authorization headers', () => {
    const text = redact('GET http://admin:pa55@host:8086/write?u=admin&p=pa55 Authorization: Basic YWRtaW46cGE1NQ== password=pa55');
    expect(text).not.toContain('pa55');
    expect(text).not.toContain('YWRtaW46cGE1NQ');
    expect(text).toContain('host:8086');
  });
});
