/**
 * The sink runner at its edges (issue 12, defect 6): a sink that confirms past its batch or
 * confirms something that is not a seq, a cursor write that fails, and the drain on stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal, type CommittedRecord } from '../../src/journal/index.js';
import { SinkError, SinkRunner, type Delivered, type Sink } from '../../src/sinks/index.js';
import type { SinkJournal } from '../../src/sinks/runner.js';

const dirs: string[] = [];
const journals: Journal[] = [];
const runners: SinkRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const j of journals.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openJournal(): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'tg-runner-edges-'));
  dirs.push(dir);
  const j = Journal.open({ path: join(dir, 'journal.sqlite'), gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 1, log: silentLogger() });
  journals.push(j);
  return j;
}

function append(j: Journal, n: number) {
  return Promise.all(Array.from({ length: n }, (_, i) => j.appendAcquisition({ device: 'd', time: Date.now(), clock: 'yes', channels: { c: { quantity: 'voltage', value: i, unit: 'V' } } })));
}

class ScriptedSink implements Sink {
  readonly batches: number[][] = [];
  constructor(
    readonly answer: (batch: readonly CommittedRecord[], call: number) => Promise<Delivered> | Delivered,
    readonly batchSize = 10,
    readonly flushIntervalMs = 0,
    readonly name = 'scripted',
  ) {}
  async deliver(batch: readonly CommittedRecord[]): Promise<Delivered> {
    this.batches.push(batch.map((r) => r.seq));
    return this.answer(batch, this.batches.length);
  }
  async close(): Promise<void> {}
}

function run(sink: Sink, journal: SinkJournal, cursorPersistMs = 1000): SinkRunner {
  const r = new SinkRunner(sink, { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 2, maxMs: 10 }, cursorPersistMs });
  runners.push(r);
  r.start();
  return r;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a sink that confirms more than it was given', () => {
  it('never moves the cursor past the last record of the batch it was handed', async () => {
    const j = openJournal();
    await append(j, 25);
    // The sink says it confirmed up to seq 10 000: only the batch it had counts.
    const sink = new ScriptedSink((b, call) => ({ upTo: call === 1 ? 10_000 : b[b.length - 1]!.seq }));
    const r = run(sink, j);
    await until('everything delivered', () => r.status().cursor === 25);
    expect(sink.batches[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Each record was handed to the sink before the cursor passed it: 11..25 went out.
    expect(sink.batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it.each([
    ['NaN', Number.NaN],
    ['a string', '12' as unknown as number],
    ['undefined', undefined as unknown as number],
  ])('a confirmation that is not a seq (%s) is a failed delivery: the cursor stays and the batch is sent again', async (_, bad) => {
    const j = openJournal();
    await append(j, 5);
    const sink = new ScriptedSink((b, call) => ({ upTo: call === 1 ? bad : b[b.length - 1]!.seq }));
    const r = run(sink, j);
    await until('everything delivered', () => r.status().cursor === 5);
    expect(sink.batches).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
    expect(Number.isInteger(j.cursor('scripted'))).toBe(true);
  });

  it('a fractional confirmation counts the records at or below it; a SinkError with a bad upTo moves nothing', async () => {
    const j = openJournal();
    await append(j, 6);
    const sink = new ScriptedSink((b, call) => {
      if (call === 1) return { upTo: 3.9 };
      if (call === 2) throw new SinkError('went away', { upTo: Number.NaN });
      return { upTo: b[b.length - 1]!.seq };
    });
    const r = run(sink, j);
    await until('everything delivered', () => r.status().cursor === 6);
    expect(sink.batches).toEqual([
      [1, 2, 3, 4, 5, 6],
      [4, 5, 6],
      [4, 5, 6],
    ]);
  });
});

describe('a cursor write that fails', () => {
  it('is retried on its own, though the sink has nothing more to deliver', async () => {
    const j = openJournal();
    await append(j, 8);
    let failures = 1;
    // The journal as the runner sees it, with a cursor write that fails once.
    const flaky = {
      get lastSeq() {
        return j.lastSeq;
      },
      entries: (from: number, limit: number) => j.entries(from, limit),
      cursor: (name: string) => j.cursor(name),
      setCursor: (name: string, seq: number) => {
        if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
        j.setCursor(name, seq);
      },
      onCommit: (l: () => void) => j.onCommit(l),
      appendEvent: (e: Parameters<Journal['appendEvent']>[0]) => j.appendEvent(e),
    };
    const sink = new ScriptedSink((b) => ({ upTo: b[b.length - 1]!.seq }));
    const r = run(sink, flaky, 20);
    await until('everything delivered', () => r.status().cursor === 8);
    // Nothing else happens on the sink; the persisted cursor still catches up.
    await until('the cursor persisted', () => j.cursor('scripted') === 8);
    expect(failures).toBeLessThan(0);
  });
});

describe('the drain on stop', () => {
  it('a healthy sink forwards everything committed before stop, and its cursor is persisted', async () => {
    const j = openJournal();
    const sink = new ScriptedSink(async (b) => {
      await new Promise((r) => setTimeout(r, 2)); // a destination that takes its time
      return { upTo: b[b.length - 1]!.seq };
    }, 7, 50);
    const r = run(sink, j);
    await append(j, 40);
    runners.splice(runners.indexOf(r), 1);
    await r.stop(10_000);
    expect(sink.batches.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(j.cursor('scripted')).toBe(40);
    expect(r.status().state).toBe('stopped');
  });

  it('a failing sink is not waited for: stop aborts its delivery and keeps the cursor at what it confirmed', async () => {
    const j = openJournal();
    const sink = new ScriptedSink((b, call) => {
      if (call === 1) return { upTo: 3 };
      return new Promise<Delivered>(() => undefined); // hangs for ever
    }, 5, 0);
    const r = run(sink, j);
    await append(j, 10);
    await until('the hanging delivery', () => sink.batches.length >= 2);
    runners.splice(runners.indexOf(r), 1);
    await r.stop(200);
    expect(j.cursor('scripted')).toBe(3);
  });
});
