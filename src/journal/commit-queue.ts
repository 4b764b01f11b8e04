/**
 * Group commit: the write path of the journal.
 *
 * Contract:
 * - `enqueue(draft)` queues a record and returns a promise that resolves with the committed record
 *   (seq, prevHash, hash filled in) once the transaction holding it has committed.
 * - Each record's canonical bytes and hash are made once (HashChain.link): the same bytes are
 *   handed to listeners (as StoredRecord, with the object) and, through them, sent; the row keeps
 *   them whole, or for an acquisition without the envelope its row and the chain give back
 *   (compact-body.ts).
 * - A batch is committed at the first multiple of `commitIntervalMs` on the monotonic clock
 *   (performance.now()) after the first record of an empty queue arrived, so at most that long
 *   after it (0: on the next turn of the event loop), or synchronously inside `enqueue` when
 *   `batchSize` records are pending, so one transaction never holds more than `batchSize` records.
 *   The grid is the devices' poll grid: a commit shares the process's wake-up with the polls of its
 *   instant (core/wake-at.ts), after them.
 * - Committing a batch: seqs lastSeq+1.. are assigned and the chain extended in queue order; one
 *   IMMEDIATE transaction inserts the rows. On failure the chain head and lastSeq are put back and
 *   every record of the batch is rejected (SQLITE_FULL becomes TgError TG_JOURNAL_FULL). A draft
 *   that cannot be hashed is rejected alone before the transaction and consumes no seq.
 * - `commitWith(work)` runs `work` inside the next commit's transaction (at once, synchronously,
 *   when no commit is running), in queue order, and commits the draft it returns in that same
 *   transaction: e.g. the disk cap's delete and the `gap` event that names what it deleted, so no
 *   crash can separate them. `work` runs in a savepoint: if it throws, what it did is undone and
 *   only its own promise rejects. Its `after` runs once the transaction has committed.
 * - Listeners run after a successful commit, with the batch's records in seq order; a throwing
 *   listener is logged and skipped. The records' objects are released after the last listener
 *   (StoredRecord.release): a listener that keeps a record must take `.record` while it runs.
 */
import type { Clock } from '../core/clock.js';
import { wakeAt } from '../core/wake-at.js';
import { TgError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RECORD_VERSION, type EventRecord, type JournalRecord } from '../core/types.js';
import type { HashChain, LinkedBytes, UnhashedRecord } from '../integrity/chain.js';
import type { AcquisitionBodies } from './compact-body.js';
import { KIND_CODE, type Draft } from './records.js';
import type { SqliteDb } from './schema.js';
import { StoredRecord } from './stored.js';

type Head = { seq: number; hash: string };
type DraftSource = Draft | ((head: Head) => Draft);

/** What `commitWith` runs inside the commit's transaction: its draft (if any) is committed with
 *  it; `after` runs once the transaction has committed. */
export type TransactionWork = (head: Head) => { draft?: Draft; after?: () => void } | undefined;

interface Pending {
  draft: DraftSource;
  /** Set for `commitWith`: runs in the transaction, before `draft` (unused) is linked. */
  work?: TransactionWork;
  resolve: (r: JournalRecord) => void;
  reject: (err: unknown) => void;
}

type Row = [seq: number, kind: number, time: number, device: string | null, body: string, hash: Buffer];

export interface CommitStats {
  batches: number;
  failedBatches: number;
  lastBatchSize: number;
  /** Wall time the last commit took (hashing + transaction), ms. */
  lastCommitMs: number;
  /** UTC ms of the last successful commit. */
  lastCommitAt: number | null;
}

export interface CommitQueueOptions {
  db: SqliteDb;
  gateway: string;
  lab: string;
  chain: HashChain;
  /** What an acquisition's row keeps of its body (the rest is put back on read). */
  bodies: AcquisitionBodies;
  lastSeq: number;
  records: number;
  commitIntervalMs: number;
  batchSize: number;
  clock: Clock;
  log: Logger;
}

export class CommitQueue {
  readonly #o: CommitQueueOptions;
  readonly #insert: (seq: number, kind: number, time: number, device: string | null, body: string, hash: Buffer) => void;
  #queue: Pending[] = [];
  #timer: (() => void) | undefined; // cancels the scheduled commit
  /** When the scheduled commit is due (performance.now() ms; meaningful while #timer is set). */
  #due = 0;
  #committing = false;
  #stopped: Error | undefined;
  #lastSeq: number;
  #records: number;
  #listeners: ((records: StoredRecord[]) => void)[] = [];
  #stats: CommitStats = { batches: 0, failedBatches: 0, lastBatchSize: 0, lastCommitMs: 0, lastCommitAt: null };

  readonly #transaction: (fn: () => void) => void;
  readonly #savepoint: <T>(fn: () => T) => T;

  constructor(o: CommitQueueOptions) {
    this.#o = o;
    this.#lastSeq = o.lastSeq;
    this.#records = o.records;
    const insert = o.db.prepare('INSERT INTO records (seq, kind, time, device, body, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.#insert = (seq, kind, time, device, body, hash) => {
      insert.run(seq, kind, time, device, body, hash);
    };
    const tx = o.db.transaction((fn: () => void) => fn());
    this.#transaction = (fn) => tx.immediate(fn);
    // Nested inside the commit's transaction, better-sqlite3 makes this a SAVEPOINT.
    this.#savepoint = (fn) => o.db.transaction(fn)();
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get headHash(): string {
    return this.#o.chain.head;
  }

  get pending(): number {
    return this.#queue.length;
  }

  get records(): number {
    return this.#records;
  }

  stats(): CommitStats {
    return { ...this.#stats };
  }

  /** Retention deleted `n` records. */
  forget(n: number): void {
    this.#records -= n;
  }

  onCommit(listener: (records: StoredRecord[]) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  enqueue(draft: DraftSource): Promise<JournalRecord> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const promise = new Promise<JournalRecord>((resolve, reject) => this.#queue.push({ draft, resolve, reject }));
    if (this.#queue.length >= this.#o.batchSize && !this.#committing) this.#commit();
    else this.#schedule();
    return promise;
  }

  /** Runs `work` in the next commit's transaction, now when no commit is running (see the
   *  contract). Resolves with the record of its draft, or undefined when it returned none. */
  commitWith(work: TransactionWork): Promise<JournalRecord | undefined> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const promise = new Promise<JournalRecord | undefined>((resolve, reject) =>
      this.#queue.push({ draft: NO_DRAFT, work, resolve: resolve as (r: JournalRecord) => void, reject }),
    );
    if (!this.#committing) this.#commit();
    else this.#schedule();
    return promise;
  }

  /** Commit everything queued now (in batches of at most batchSize); rejects with the first
   *  failed batch's error. */
  flush(): Promise<void> {
    // Called from an onCommit listener: the running commit finishes first, then ours.
    if (this.#committing) return new Promise((resolve) => setImmediate(resolve)).then(() => this.flush());
    let first: unknown;
    while (this.#queue.length > 0) {
      const err = this.#commit();
      if (err !== undefined && first === undefined) first = err;
    }
    return first === undefined ? Promise.resolve() : Promise.reject(first);
  }

  /** Refuse further appends with `reason`; reject anything still queued. */
  stop(reason: Error): void {
    this.#stopped = reason;
    this.#cancelTimer();
    const left = this.#queue;
    this.#queue = [];
    for (const p of left) p.reject(reason);
  }

  /**
   * When, as things stand, the next commit comes at the earliest (performance.now() ms): the
   * scheduled one's time while records wait, else the grid point a record queued now would wait
   * for. A full batch, a flush or `commitWith` can come sooner.
   */
  nextCommitAt(): number {
    if (this.#timer !== undefined) return this.#due;
    return this.#o.commitIntervalMs > 0 ? this.#gridAfter(performance.now()) : performance.now();
  }

  /** The first multiple of the commit interval after `t` (see #schedule). */
  #gridAfter(t: number): number {
    const every = this.#o.commitIntervalMs;
    return (Math.floor(t / every) + 1) * every;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return;
    const run = () => {
      this.#timer = undefined;
      this.#commit();
    };
    if (this.#o.commitIntervalMs > 0) {
      // On the grid of the interval (multiples of it on the monotonic clock, like the devices'
      // polls): a commit wakes the process with the polls of that instant, not a millisecond
      // after them. It runs after them in that turn, so their requests are out while it writes.
      this.#due = this.#gridAfter(performance.now());
      this.#timer = wakeAt(this.#due, () => {
        const later = setImmediate(run);
        this.#timer = () => clearImmediate(later);
      });
    } else {
      const t = setImmediate(run);
      this.#timer = () => clearImmediate(t);
    }
  }

  #cancelTimer(): void {
    this.#timer?.();
    this.#timer = undefined;
  }

  /** Commits the queued batch; returns the error that failed it, if any. Never throws. */
  #commit(): unknown {
    if (this.#committing || this.#queue.length === 0) return undefined;
    this.#cancelTimer();
    const batch = this.#queue.splice(0, this.#o.batchSize);
    this.#committing = true;
    const started = this.#o.clock.monotonic();
    const { chain, gateway, lab } = this.#o;
    const startHead = chain.head;
    let records: StoredRecord[] = [];
    let owners: Pending[] = [];
    let afters: (() => void)[] = [];
    let emptyWorks: Pending[] = [];
    let seq = this.#lastSeq;
    try {
      // Linking and inserting happen in one IMMEDIATE transaction: work done by `commitWith`
      // (deletes) and the records that follow it commit together or not at all. A draft that
      // cannot be linked is rejected alone and takes no seq.
      const link = () => {
        records = [];
        owners = [];
        afters = [];
        emptyWorks = [];
        seq = this.#lastSeq;
        // Rows go in as soon as they are linked: what only the row needs (the digest, the short
        // body) is then garbage before the next young-generation collection, instead of being
        // held, copied and promoted with the whole batch. A batch with `commitWith` work inserts
        // its rows after all the work, so that the work (the disk cap's deletes) never sees rows
        // of the batch it belongs to.
        const deferred: Row[] | undefined = batch.some((p) => p.work !== undefined) ? [] : undefined;
        const insert = (seq: number, kind: number, time: number, device: string | null, body: string, hash: Buffer) =>
          deferred ? deferred.push([seq, kind, time, device, body, hash]) : this.#insert(seq, kind, time, device, body, hash);
        for (const p of batch) {
          let linked: LinkedBytes;
          try {
            if (p.work) {
              // The work and the linking of its draft in one savepoint: a draft that cannot be
              // linked undoes the work too (no delete without its gap event).
              const done = this.#savepoint(() => {
                const out = p.work!({ seq, hash: chain.head });
                return { after: out?.after, linked: out?.draft ? chain.linkInPlace(unhashed(seq + 1, gateway, lab, out.draft)) : undefined };
              });
              if (done.after) afters.push(done.after);
              if (!done.linked) {
                emptyWorks.push(p);
                continue;
              }
              linked = done.linked;
            } else {
              const draft = typeof p.draft === 'function' ? p.draft({ seq, hash: chain.head }) : p.draft;
              linked = chain.linkInPlace(unhashed(seq + 1, gateway, lab, draft));
            }
          } catch (err) {
            p.reject(err); // this record only: it has no canonical form, or its seal or work failed
            continue;
          }
          seq += 1;
          const { record, body, digest, bytes } = linked;
          if (record.kind === 'acquisition') {
            const stored = this.#o.bodies.compact(body, record.device, record.prevHash, seq, record.time);
            insert(seq, KIND_CODE.acquisition, record.time, record.device, stored, digest);
          } else {
            const device = record.kind === 'reading' ? null : (record.event.device ?? null);
            insert(seq, KIND_CODE[record.kind === 'reading' ? 'acquisition' : record.kind], record.time, device, body, digest);
          }
          // Kept as the bytes that were hashed: see StoredRecord's constructor.
          records.push(new StoredRecord(seq, record.kind === 'reading' ? 'acquisition' : record.kind, record.time, bytes, record.hash, record));
          owners.push(p);
        }
        if (deferred) for (const [s, k, t, d, b, h] of deferred) this.#insert(s, k, t, d, b, h);
      };
      try {
        this.#transaction(link);
      } catch (cause) {
        chain.reset(startHead);
        const err = asJournalError(cause);
        this.#stats.failedBatches += 1;
        this.#o.log.error({ err, firstSeq: this.#lastSeq + 1, size: batch.length }, 'journal commit failed; batch rejected');
        // Every entry, linked or not yet when the insert failed; one already rejected alone keeps
        // its own error (a promise settles once).
        for (const p of batch) p.reject(err);
        return err;
      }
      for (const after of afters) {
        try {
          after();
        } catch (err) {
          this.#o.log.warn({ err }, 'journal: work after a commit threw; ignored');
        }
      }
      for (const p of emptyWorks) p.resolve(undefined as unknown as JournalRecord);
      if (records.length === 0) return undefined;
      this.#lastSeq = seq;
      this.#records += records.length;
      this.#stats.batches += 1;
      this.#stats.lastBatchSize = records.length;
      this.#stats.lastCommitMs = this.#o.clock.monotonic() - started;
      this.#stats.lastCommitAt = this.#o.clock.now();
      for (let i = 0; i < owners.length; i++) owners[i]!.resolve(records[i]!.record);
      for (const listener of this.#listeners) {
        try {
          listener(records);
        } catch (err) {
          this.#o.log.warn({ err }, 'journal onCommit listener threw; ignored');
        }
      }
      for (const r of records) r.release(); // listeners had the objects; from here on, the bytes
      return undefined;
    } finally {
      this.#committing = false;
      if (this.#queue.length >= this.#o.batchSize) setImmediate(() => this.#commit());
      else this.#schedule();
    }
  }
}

/** The placeholder draft of a `commitWith` entry (its work gives the real one). */
const NO_DRAFT: Draft = { kind: 'event', time: 0, event: { type: 'none', time: 0, severity: 'info', message: '' } };

/** The record a draft becomes at `seq`, its keys in one fixed order (one hidden class). */
function unhashed(seq: number, gateway: string, lab: string, d: Draft): UnhashedRecord & { prevHash: string } {
  if (d.kind === 'acquisition') {
    return { v: RECORD_VERSION, seq, kind: 'acquisition', gateway, lab, time: d.time, clock: d.clock, device: d.device, channels: d.channels, prevHash: '' };
  }
  const r: Omit<EventRecord, 'hash'> = { v: RECORD_VERSION, seq, kind: d.kind, gateway, lab, time: d.time, clock: d.clock ?? 'unknown', event: d.event, prevHash: '' };
  if (d.standard !== undefined) r.standard = d.standard;
  return r;
}

function asJournalError(cause: unknown): unknown {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') return new TgError('TG_JOURNAL_FULL', 'the disk or the journal file is full', { cause });
  return cause;
}
