/**
 * Model-based tests (issue 12): fast-check command sequences drive each stateful part and a
 * simple model side by side, and compare them after every command.
 * - the line framer (LineSplitter): the model splits everything since the last clear on the
 *   terminator and keeps the complete lines that are not too long;
 * - the RTU framer (RtuFramePort): the model knows the request and the good reply; noise before it
 *   never hides it, and nothing received before a request is ever taken for its reply;
 * - the commit queue (through Journal): seqs gap-free in commit order, a bad record rejected alone,
 *   a failed batch rejected whole without using seqs, work done in a commit (commitWith) visible
 *   exactly when its record is;
 * - retention: deletes exactly the prefix the model says (old enough and delivered), keeps the
 *   anchor, and what is left is one chain from it;
 * - the disk cap with both policies: what is dropped or trimmed is a prefix, every missing seq is
 *   named by a gap event (drop_oldest) or was delivered (stop), and `stop` pauses exactly while
 *   full;
 * - the sink runner and its cursor: the destination gets every record in order (at least once),
 *   the cursor never passes what was confirmed, and after a restart from the persisted cursor
 *   nothing is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { duplexPair } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AcquisitionRecord, EventRecord, JournalRecord } from '../../src/core/types.js';
import { hashRecord } from '../../src/integrity/canonical.js';
import { Journal, type CommittedRecord } from '../../src/journal/index.js';
import { CommitQueue } from '../../src/journal/commit-queue.js';
import { JournalQueries } from '../../src/journal/queries.js';
import { journalBodies, openJournalDb, type SqliteDb } from '../../src/journal/schema.js';
import { deletePrefixIn } from '../../src/journal/retention.js';
import { HashChain } from '../../src/integrity/chain.js';
import { crc16 } from '../../src/links/modbus/crc.js';
import { RtuFramePort } from '../../src/links/modbus/rtu-port.js';
import { LineSplitter } from '../../src/links/stream-line-link.js';
import { SinkRunner, type Delivered, type Sink } from '../../src/sinks/index.js';
import { replyFrame } from '../helpers/modbus-frames.js';

const root = mkdtempSync(join(tmpdir(), 'tg-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(root, `j${++files}.sqlite`);

// ---------------------------------------------------------------------------------------------
// Line framer

describe('line framer against its model', () => {
  for (const d of ['\n', '\r', '\r\n']) {
    it(`terminator ${JSON.stringify(d)}`, () => {
      const MAX = 12;
      type M = { text: string; emitted: string[] };
      type R = { s: LineSplitter; got: string[] };
      const expected = (m: M) => {
        const parts = m.text.split(d);
        parts.pop(); // the partial line
        return parts.filter((p) => p.length <= MAX);
      };
      class Push implements fc.Command<M, R> {
        constructor(readonly chunk: string) {}
        check = () => true;
        run(m: M, r: R): void {
          r.got.push(...r.s.push(this.chunk));
          m.text += this.chunk;
          expect(r.got).toEqual([...m.emitted, ...expected(m)]);
          expect(r.s.buffered).toBeLessThanOrEqual(MAX + d.length);
        }
        toString = () => `push ${JSON.stringify(this.chunk)}`;
      }
      class Clear implements fc.Command<M, R> {
        check = () => true;
        run(m: M, r: R): void {
          r.s.clear();
          m.emitted.push(...expected(m));
          m.text = '';
          expect(r.s.buffered).toBe(0);
        }
        toString = () => 'clear';
      }
      const chunk = fc.array(fc.constantFrom('a', 'b', '\r', '\n', 'x'.repeat(7)), { maxLength: 8 }).map((a) => a.join(''));
      fc.assert(
        fc.property(fc.commands([chunk.map((c) => new Push(c)), fc.constant(new Clear())], { maxCommands: 40 }), (cmds) => {
          fc.modelRun(() => ({ model: { text: '', emitted: [] }, real: { s: new LineSplitter(d, MAX), got: [] } }), cmds);
        }),
        { numRuns: 1500 },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// RTU framer

describe('RTU framer against its model', () => {
  it('emits the reply to the current request, never noise and never a stale reply', async () => {
    type M = { request?: { unit: number; count: number }; answered: boolean };
    type R = { port: RtuFramePort; device: import('node:stream').Duplex; got: Buffer[] };
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const requestFrame = (unit: number, count: number) => {
      const b = Buffer.from([unit, 3, 0, 0, 0, count, 0, 0]);
      b.writeUInt16LE(crc16(b.subarray(0, 6)), 6);
      return b;
    };
    class Request implements fc.AsyncCommand<M, R> {
      constructor(readonly unit: number, readonly count: number) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        r.port.write(requestFrame(this.unit, this.count));
        m.request = { unit: this.unit, count: this.count };
        m.answered = false;
        r.got.length = 0;
      }
      toString = () => `request unit ${this.unit} count ${this.count}`;
    }
    class Noise implements fc.AsyncCommand<M, R> {
      constructor(readonly bytes: Uint8Array) {}
      check = () => true;
      async run(_m: M, r: R): Promise<void> {
        r.device.write(Buffer.from(this.bytes));
        await settle();
      }
      toString = () => `noise ${Buffer.from(this.bytes).toString('hex')}`;
    }
    class Reply implements fc.AsyncCommand<M, R> {
      constructor(readonly otherUnit: boolean) {}
      check = (m: Readonly<M>) => m.request !== undefined;
      async run(m: M, r: R): Promise<void> {
        const req = m.request!;
        const unit = this.otherUnit ? (req.unit + 1) % 248 : req.unit;
        r.device.write(replyFrame('rtu', { tid: 0, unit, fc: 3, address: 0, count: req.count }));
        await settle();
        const good = replyFrame('rtu', { tid: 0, unit: req.unit, fc: 3, address: 0, count: req.count });
        if (this.otherUnit || m.answered) {
          // Another unit's reply, or a second one: nothing new for this request.
          expect(r.got).toEqual(m.answered ? [good] : []);
        } else {
          expect(r.got).toEqual([good]);
          m.answered = true;
        }
      }
      toString = () => `reply${this.otherUnit ? ' from another unit' : ''}`;
    }
    const noise = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => new Noise(b));
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [
            fc.tuple(fc.integer({ min: 1, max: 247 }), fc.integer({ min: 1, max: 10 })).map(([u, c]) => new Request(u, c)),
            noise,
            fc.boolean().map((o) => new Reply(o)),
          ],
          { maxCommands: 25 },
        ),
        async (cmds) => {
          const [ours, device] = duplexPair();
          const port = new RtuFramePort(ours, 10_000); // no silence emission within a run
          const got: Buffer[] = [];
          port.on('data', (f: Buffer) => got.push(f));
          try {
            await fc.asyncModelRun(() => ({ model: { answered: false }, real: { port, device, got } }), cmds);
          } finally {
            port.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Commit queue

describe('commit queue against its model', () => {
  it('numbering, rejection alone or by batch, and work committed with its record', async () => {
    type Item = { kind: 'ok' | 'bad' | 'fail' } | { kind: 'work'; drop: number };
    type M = { seqs: number[]; deletedUpTo: number; lastSeq: number };
    type R = { q: CommitQueue; db: SqliteDb; path: string; value: number };
    const BATCH = 4;
    // One round: the items are enqueued together, then flushed. The queue commits synchronously
    // when BATCH are waiting and when a commitWith entry arrives; the model cuts batches likewise.
    class Round implements fc.AsyncCommand<M, R> {
      constructor(readonly items: Item[]) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        const promises = this.items.map((item) => enqueueItem(r, item));
        await r.q.flush().catch(() => undefined);
        const settled = await Promise.all(promises.map((p) => p.then((v) => ({ ok: true as const, v }), () => ({ ok: false as const, v: undefined }))));
        const batches: Item[][] = [];
        let cur: Item[] = [];
        for (const it of this.items) {
          cur.push(it);
          if (it.kind === 'work' || cur.length === BATCH) {
            batches.push(cur);
            cur = [];
          }
        }
        if (cur.length > 0) batches.push(cur);
        const expected: (number | 'rejected' | 'empty')[] = [];
        for (const batch of batches) {
          const fails = batch.some((i) => i.kind === 'fail');
          let seq = m.lastSeq;
          let deleted = m.deletedUpTo;
          const out: (number | 'rejected' | 'empty')[] = [];
          for (const i of batch) {
            if (i.kind === 'bad' || fails) out.push('rejected');
            else if (i.kind === 'work') {
              // The work sees what earlier batches committed (this batch's rows go in after it).
              const upTo = Math.min(m.lastSeq, deleted + i.drop);
              if (upTo <= deleted) out.push('empty');
              else {
                deleted = upTo;
                out.push(++seq);
              }
            } else out.push(++seq);
          }
          if (!fails) {
            for (const o of out) if (typeof o === 'number') m.seqs.push(o);
            m.lastSeq = seq;
            m.deletedUpTo = deleted;
            m.seqs = m.seqs.filter((x) => x > m.deletedUpTo);
          }
          expected.push(...out);
        }
        settled.forEach((s, k) => {
          const o = expected[k]!;
          const what = `item ${k} (${JSON.stringify(this.items[k])})`;
          if (o === 'rejected') expect(s.ok, what).toBe(false);
          else if (o === 'empty') expect(s.ok && s.v === undefined, what).toBe(true);
          else expect(s.ok ? s.v?.seq : 'rejected', what).toBe(o);
        });
        // The file, through a connection of its own, holds exactly the model's records.
        const other = new Database(r.path, { readonly: true });
        try {
          expect(other.prepare('SELECT seq FROM records ORDER BY seq').pluck().all()).toEqual(m.seqs);
        } finally {
          other.close();
        }
        expect(r.q.lastSeq).toBe(m.lastSeq);
      }
      toString = () => `round ${JSON.stringify(this.items)}`;
    }
    const item: fc.Arbitrary<Item> = fc.oneof(
      { weight: 8, arbitrary: fc.constant({ kind: 'ok' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'bad' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((drop) => ({ kind: 'work' as const, drop })) },
    );
    await fc.assert(
      fc.asyncProperty(fc.commands([fc.array(item, { minLength: 1, maxLength: 10 }).map((items) => new Round(items))], { maxCommands: 12 }), async (cmds) => {
        const path = newPath();
        const db = openJournalDb({ path, gateway: 'gw', lab: 'LAB', synchronous: 'NORMAL', readonly: false, now: Date.now() });
        // A record of device FAIL makes its whole transaction fail.
        db.exec("CREATE TRIGGER fail_batch BEFORE INSERT ON records WHEN NEW.device = 'FAIL' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        const chain = new HashChain('');
        const q = new CommitQueue({ db, gateway: 'gw', lab: 'LAB', chain, bodies: journalBodies(db), lastSeq: 0, records: 0, commitIntervalMs: 60_000, batchSize: BATCH, clock: systemClock, log: silentLogger() });
        try {
          await fc.asyncModelRun(() => ({ model: { seqs: [], deletedUpTo: 0, lastSeq: 0 }, real: { q, db, path, value: 0 } }), cmds);
          // What is left is one chain, ending at the queue's head.
          const rows = new JournalQueries(db, journalBodies(db)).range(1, 1_000_000).map((x) => x.record);
          for (let k = 1; k < rows.length; k++) expect(rows[k]!.prevHash).toBe(rows[k - 1]!.hash);
          for (const r of rows) expect(hashRecord(r)).toBe(r.hash);
          if (rows.length > 0) expect(rows[rows.length - 1]!.hash).toBe(q.headHash);
        } finally {
          q.stop(new Error('done'));
          db.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});

/** Enqueues one item: an acquisition (valid, unhashable, or one that fails its batch), or a
 *  commitWith entry that deletes the `drop` oldest rows and returns an event naming them. */
function enqueueItem(r: { q: CommitQueue; db: SqliteDb; value: number }, item: { kind: string; drop?: number }): Promise<JournalRecord | undefined> {
  if (item.kind === 'work') {
    return r.q.commitWith(() => {
      const first = r.db.prepare('SELECT MIN(seq) FROM records').pluck().get() as number | null;
      if (first === null) return undefined;
      const upTo = Math.min(first + item.drop! - 1, r.q.lastSeq);
      if (upTo < first) return undefined;
      deletePrefixIn(r.db, upTo); // as the disk cap does: the last deleted record is the anchor
      return { draft: { kind: 'event', time: Date.now(), clock: 'yes', event: { type: 'dropped', time: Date.now(), severity: 'info', message: `dropped ${first}..${upTo}` } } };
    });
  }
  const value = ++r.value;
  return r.q.enqueue({
    kind: 'acquisition',
    time: Date.now(),
    clock: 'yes',
    device: item.kind === 'fail' ? 'FAIL' : 'dev',
    // NaN has no canonical form: that record is rejected alone, before the transaction.
    channels: { c: { quantity: 'q', value: item.kind === 'bad' ? Number.NaN : value, unit: 'u' } },
  });
}

// ---------------------------------------------------------------------------------------------
// Retention

describe('retention against its model', () => {
  it('deletes exactly the deliverable old prefix, keeps the anchor, leaves one chain', async () => {
    type M = { records: { seq: number; time: number }[]; cursor: number | null; lastSeq: number; anchor: number };
    type R = { j: Journal };
    class Append implements fc.AsyncCommand<M, R> {
      constructor(readonly times: number[]) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        const recs = await Promise.all(this.times.map((t) => r.j.appendAcquisition({ device: 'd', time: t, clock: 'yes', channels: { c: { quantity: 'q', value: 1, unit: 'u' } } })));
        for (const rec of recs) m.records.push({ seq: rec.seq, time: rec.time });
        m.lastSeq = r.j.lastSeq;
      }
      toString = () => `append ${this.times.join(',')}`;
    }
    class Deliver implements fc.AsyncCommand<M, R> {
      constructor(readonly fraction: number) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        const seq = Math.floor(m.lastSeq * this.fraction);
        r.j.setCursor('sink', Math.max(seq, m.cursor ?? 0));
        m.cursor = Math.max(seq, m.cursor ?? 0);
      }
      toString = () => `deliver ${this.fraction}`;
    }
    class Retain implements fc.AsyncCommand<M, R> {
      constructor(readonly cutoff: number) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        const n = r.j.applyRetention(this.cutoff);
        let k = 0;
        while (k < m.records.length && m.records[k]!.time < this.cutoff && (m.cursor === null || m.records[k]!.seq <= m.cursor)) k++;
        const gone = m.records.splice(0, k);
        if (gone.length > 0) m.anchor = gone[gone.length - 1]!.seq;
        expect(n).toBe(gone.length);
        expect(r.j.range(1, 1_000_000).map((x) => x.seq)).toEqual(m.records.map((x) => x.seq));
        expect(r.j.anchor()?.seq ?? 0).toBe(m.anchor);
      }
      toString = () => `retain before ${this.cutoff}`;
    }
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [
            fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }).map((t) => new Append(t.map((x) => 1_700_000_000_000 + x * 1000))),
            fc.double({ min: 0, max: 1, noNaN: true }).map((f) => new Deliver(f)),
            fc.integer({ min: 0, max: 110 }).map((x) => new Retain(1_700_000_000_000 + x * 1000)),
          ],
          { maxCommands: 20 },
        ),
        fc.boolean(),
        async (cmds, withSink) => {
          const j = Journal.open({ path: newPath(), gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 0, log: silentLogger() });
          if (withSink) j.cursor('sink');
          try {
            await fc.asyncModelRun(() => ({ model: { records: [], cursor: withSink ? 0 : null, lastSeq: 0, anchor: 0 }, real: { j } }), cmds);
            let prev = j.anchor()?.hash ?? '';
            for (const r of j.range(1, 1_000_000)) {
              expect(r.prevHash).toBe(prev);
              prev = r.hash;
            }
          } finally {
            await j.close();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Disk cap, both policies

describe('disk cap against its model', () => {
  for (const policy of ['drop_oldest', 'stop'] as const) {
    it(`policy ${policy}`, async () => {
      let reached = 0;
      type M = { cursor: number; acked: Map<number, number> };
      type R = { j: Journal; next: number };
      const pad = 'z'.repeat(1500);
      class Append implements fc.AsyncCommand<M, R> {
        constructor(readonly n: number) {}
        check = () => true;
        async run(m: M, r: R): Promise<void> {
          if (policy === 'stop' && r.j.acquisitionPaused) return; // devices poll nothing now
          const values = Array.from({ length: this.n }, () => ++r.next);
          const recs = await Promise.all(values.map((v) => r.j.appendAcquisition({ device: 'd', time: Date.now(), clock: 'yes', channels: { c: { quantity: 'q', value: v, unit: 'u', extra: { pad } } } })));
          recs.forEach((rec, k) => m.acked.set(rec.seq, values[k]!));
          await new Promise((res) => setImmediate(res)); // the cap's check
          await check(m, r);
        }
        toString = () => `append ${this.n}`;
      }
      class Deliver implements fc.AsyncCommand<M, R> {
        constructor(readonly fraction: number) {}
        check = () => true;
        async run(m: M, r: R): Promise<void> {
          const seq = Math.max(m.cursor, Math.floor(r.j.lastSeq * this.fraction));
          r.j.setCursor('sink', seq);
          m.cursor = seq;
          await new Promise((res) => setImmediate(res));
          await new Promise((res) => setImmediate(res));
          await check(m, r);
        }
        toString = () => `deliver ${this.fraction.toFixed(2)}`;
      }
      async function check(m: M, r: R): Promise<void> {
        const cap = r.j.capStats()!;
        if (cap.dropped > 0 || cap.trimmed > 0 || cap.full) reached++;
        const records = r.j.range(1, 1_000_000);
        const present = new Map(records.map((x) => [x.seq, x]));
        const gaps = records.filter((x): x is EventRecord => x.kind === 'event' && x.event.type === 'gap').map((x) => x.event.data as { firstSeq: number; lastSeq: number });
        const first = records[0]?.seq ?? r.j.lastSeq + 1;
        // What is gone is a prefix.
        expect(records.map((x) => x.seq)).toEqual(Array.from({ length: records.length }, (_, k) => first + k));
        for (const [seq, value] of m.acked) {
          const rec = present.get(seq);
          if (rec) {
            expect((rec as AcquisitionRecord).channels.c?.value).toBe(value);
            continue;
          }
          if (policy === 'stop') expect(seq, `seq ${seq} deleted undelivered under stop`).toBeLessThanOrEqual(m.cursor);
          else expect(seq <= m.cursor || gaps.some((g) => seq >= g.firstSeq && seq <= g.lastSeq), `seq ${seq} dropped without a gap`).toBe(true);
        }
        const stats = r.j.capStats()!;
        if (policy === 'stop') expect(r.j.acquisitionPaused).toBe(stats.full);
        else expect(stats.full).toBe(false);
      }
      await fc.assert(
        fc.asyncProperty(
          fc.commands([fc.integer({ min: 1, max: 150 }).map((n) => new Append(n)), fc.double({ min: 0, max: 1, noNaN: true }).map((f) => new Deliver(f))], { maxCommands: 25 }),
          async (cmds) => {
            const j = Journal.open({ path: newPath(), gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 0, log: silentLogger(), maxSizeBytes: 256 * 1024, fullPolicy: policy });
            j.cursor('sink');
            try {
              await fc.asyncModelRun(() => ({ model: { cursor: 0, acked: new Map() }, real: { j, next: 0 } }), cmds);
            } finally {
              await j.close();
            }
          },
        ),
        { numRuns: 60 },
      );
      expect(reached, 'runs that reached the cap').toBeGreaterThan(0);
    }, 120_000);
  }
});

// ---------------------------------------------------------------------------------------------
// Sink runner and cursor

describe('sink runner and its cursor against their model', () => {
  it('everything reaches the destination in order, the cursor never passes a confirmation, a restart loses nothing', async () => {
    type Mode = 'ok' | 'fail' | 'partial';
    type M = { appended: number };
    type R = { j: Journal; sink: ModelSink; runner: SinkRunner; restarts: number };
    class ModelSink implements Sink {
      readonly name = 'model';
      readonly batchSize = 7;
      readonly flushIntervalMs = 0;
      mode: Mode = 'ok';
      confirmed = 0;
      readonly received: number[] = [];
      async deliver(batch: readonly CommittedRecord[]): Promise<Delivered> {
        if (this.mode === 'fail') throw new Error('destination down');
        const take = this.mode === 'partial' ? batch.slice(0, Math.ceil(batch.length / 2)) : batch;
        for (const r of take) this.received.push(r.seq);
        const upTo = take[take.length - 1]!.seq;
        this.confirmed = Math.max(this.confirmed, upTo);
        return { upTo };
      }
      async close(): Promise<void> {}
    }
    const start = (j: Journal, sink: ModelSink) => {
      const runner = new SinkRunner(sink, { journal: j, clock: systemClock, log: silentLogger(), backoff: { initialMs: 1, maxMs: 2 }, cursorPersistMs: 3 });
      runner.start();
      return runner;
    };
    class Append implements fc.AsyncCommand<M, R> {
      constructor(readonly n: number) {}
      check = () => true;
      async run(m: M, r: R): Promise<void> {
        await Promise.all(Array.from({ length: this.n }, () => r.j.appendAcquisition({ device: 'd', time: Date.now(), clock: 'yes', channels: { c: { quantity: 'q', value: 1, unit: 'u' } } })));
        m.appended += this.n;
        invariants(r);
      }
      toString = () => `append ${this.n}`;
    }
    class SetMode implements fc.AsyncCommand<M, R> {
      constructor(readonly mode: Mode) {}
      check = () => true;
      async run(_m: M, r: R): Promise<void> {
        r.sink.mode = this.mode;
        invariants(r);
      }
      toString = () => `sink ${this.mode}`;
    }
    class Restart implements fc.AsyncCommand<M, R> {
      check = () => true;
      async run(_m: M, r: R): Promise<void> {
        // Like a crash: no grace, the runner goes, a new one starts from the persisted cursor.
        await r.runner.stop(0);
        expect(r.j.cursor('model')).toBeLessThanOrEqual(r.sink.confirmed);
        r.runner = start(r.j, r.sink);
        r.restarts++;
      }
      toString = () => 'restart';
    }
    function invariants(r: R): void {
      const s = r.runner.status();
      expect(s.cursor).toBeLessThanOrEqual(r.sink.confirmed);
      expect(r.j.cursor('model')).toBeLessThanOrEqual(s.cursor);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [fc.integer({ min: 1, max: 30 }).map((n) => new Append(n)), fc.constantFrom<Mode>('ok', 'fail', 'partial').map((m) => new SetMode(m)), fc.constant(new Restart())],
          { maxCommands: 15 },
        ),
        async (cmds) => {
          const j = Journal.open({ path: newPath(), gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 0, log: silentLogger() });
          const sink = new ModelSink();
          const real: R = { j, sink, runner: start(j, sink), restarts: 0 };
          try {
            await fc.asyncModelRun(() => ({ model: { appended: 0 }, real }), cmds);
            // Heal the destination: everything arrives, in order from each start, at least once.
            sink.mode = 'ok';
            await until(() => real.runner.status().cursor === j.lastSeq);
            const seen = new Set(sink.received);
            for (let seq = 1; seq <= j.lastSeq; seq++) expect(seen.has(seq), `seq ${seq}`).toBe(true);
            for (let k = 1; k < sink.received.length; k++) {
              // In order, except where a restart or a retry sent again from the cursor.
              if (sink.received[k]! <= sink.received[k - 1]!) expect(sink.received[k]!).toBeGreaterThan(0);
            }
            await real.runner.stop(1000);
            expect(j.cursor('model')).toBe(j.lastSeq);
          } finally {
            await real.runner.stop(0);
            await j.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}
