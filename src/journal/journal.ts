/**
 * The journal: the gateway's single source of truth. A reading is *acknowledged* when the promise
 * returned by `appendReading` resolves, which happens only after the SQLite transaction holding its
 * row committed (with synchronous=FULL, durably on disk).
 *
 * Contract:
 * - Group commit: appends are queued and committed together, every `commitIntervalMs` (real time:
 *   durability must never wait on a simulated clock) or at once when `batchSize` (500) are pending.
 * - One transaction per batch assigns gateway-wide, gap-free, increasing seq numbers lastSeq+1..,
 *   extends the hash chain (`src/integrity/chain.ts`) and inserts the rows. If the transaction
 *   fails, seq and chain head roll back and every promise of that batch rejects: no gap, no fork.
 *   A record that cannot be hashed (found before the transaction) is rejected alone and takes no seq.
 * - On open, numbering and chain continue from the last stored record (or from the retention
 *   anchor when retention emptied the table).
 * - `onCommit` listeners run after each committed batch, in commit order; a listener that throws is
 *   logged and the journal carries on. Listeners must not mutate the records they are given.
 * - After `close()` (which flushes first) appends reject with TgError TG_JOURNAL_CLOSED, and so do
 *   queries. A journal opened `readonly` serves queries and refuses appends the same way.
 * - Everything touching the database is synchronous (better-sqlite3), so batches never interleave.
 */
import { statSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { TgError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GatewayEvent, JournalRecord, Reading, ReadingAnnotations } from '../core/types.js';
import { HashChain } from '../integrity/chain.js';
import { CommitQueue, type CommitStats } from './commit-queue.js';
import { CursorStore } from './cursors.js';
import { JournalQueries, type RecentFilter } from './queries.js';
import { eventDraft, readingDraft } from './records.js';
import { deleteExpired } from './retention.js';
import { openJournalDb, readMeta, type SqliteDb } from './schema.js';

export interface JournalOptions {
  path: string;
  gateway: string;
  lab: string;
  clock: Clock;
  commitIntervalMs: number;
  log: Logger;
  /** FULL (default): an acknowledged reading survives power loss. NORMAL: only process crashes. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Open an existing journal for queries only (export, verify): never writes. */
  readonly?: boolean;
  /** Pending appends that trigger an immediate commit (default 500). */
  batchSize?: number;
}

export interface JournalStats {
  records: number;
  firstSeq: number | null;
  lastSeq: number;
  sizeBytes: number;
}

export type CommitListener = (records: JournalRecord[]) => void;

export class Journal {
  readonly path: string;
  readonly gateway: string;
  readonly lab: string;
  readonly #db: SqliteDb;
  readonly #queries: JournalQueries;
  readonly #cursors: CursorStore;
  readonly #queue: CommitQueue;
  readonly #readonly: boolean;
  #closed = false;

  static open(opts: JournalOptions): Journal {
    if (!Number.isFinite(opts.commitIntervalMs) || opts.commitIntervalMs < 0) {
      throw new TgError('TG_CONFIG_INVALID', `journal commitIntervalMs must be ≥ 0, got ${opts.commitIntervalMs}`);
    }
    const db = openJournalDb({
      path: opts.path,
      gateway: opts.gateway,
      lab: opts.lab,
      synchronous: opts.synchronous ?? 'FULL',
      readonly: opts.readonly ?? false,
      now: opts.clock.now(),
    });
    try {
      return new Journal(db, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private constructor(db: SqliteDb, opts: JournalOptions) {
    this.path = opts.path;
    this.gateway = opts.gateway;
    this.lab = opts.lab;
    this.#db = db;
    this.#readonly = opts.readonly ?? false;
    this.#queries = new JournalQueries(db);
    this.#cursors = new CursorStore(db, () => opts.clock.now());
    const tail = this.#queries.last() ?? this.anchor() ?? { seq: 0, hash: '' };
    const count = db.prepare('SELECT COUNT(*) FROM records').pluck().get() as number;
    this.#queue = new CommitQueue({
      db,
      gateway: opts.gateway,
      lab: opts.lab,
      chain: new HashChain(tail.hash),
      lastSeq: tail.seq,
      records: count,
      commitIntervalMs: opts.commitIntervalMs,
      batchSize: opts.batchSize ?? 500,
      clock: opts.clock,
      log: opts.log,
    });
    opts.log.info({ path: opts.path, lastSeq: tail.seq, records: count }, 'journal opened');
  }

  /** Seq of the last committed record (0 for a new journal). */
  get lastSeq(): number {
    return this.#queue.lastSeq;
  }

  /** The last committed record's seq and hash: what a seal signs. */
  get head(): { seq: number; hash: string } {
    return { seq: this.#queue.lastSeq, hash: this.#queue.headHash };
  }

  /** Appends queued and not yet committed. */
  get pending(): number {
    return this.#queue.pending;
  }

  get commitStats(): CommitStats {
    return this.#queue.stats();
  }

  /** `annotations`: the standard (a string) or what the checks add (standard, verdicts, verified). */
  appendReading(r: Reading, annotations?: string | ReadingAnnotations): Promise<JournalRecord> {
    return this.#append(() => readingDraft(r, annotations));
  }

  appendEvent(e: GatewayEvent, kind: 'event' | 'seal' = 'event'): Promise<JournalRecord> {
    return this.#append(() => eventDraft(e, kind));
  }

  /**
   * Append a seal over the exact record that precedes it: `build` runs inside the commit with the
   * head it will follow (seq, hash) and returns the seal event (see integrity/seal.ts).
   */
  appendSeal(build: (head: { seq: number; hash: string }) => GatewayEvent): Promise<JournalRecord> {
    if (this.#closed || this.#readonly) return Promise.reject(this.#closedError());
    return this.#queue.enqueue((head) => eventDraft(build(head), 'seal'));
  }

  #append(makeDraft: () => ReturnType<typeof readingDraft>): Promise<JournalRecord> {
    if (this.#closed || this.#readonly) return Promise.reject(this.#closedError());
    try {
      return this.#queue.enqueue(makeDraft());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Commit everything queued now. Rejects with the batch's error if that commit failed. */
  async flush(): Promise<void> {
    if (this.#closed) return;
    await this.#queue.flush();
  }

  /** Flush, then close the file. Idempotent. Rejects (after closing) if the final flush failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    // Closed from here on: an append made while the final flush settles (e.g. by code resuming
    // on an acknowledgement) is refused rather than left queued.
    this.#closed = true;
    let failure: unknown;
    try {
      await this.#queue.flush();
    } catch (err) {
      failure = err;
    }
    this.#queue.stop(this.#closedError());
    this.#db.close();
    if (failure !== undefined) throw failure;
  }

  /** Subscribe to committed batches; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    return this.#queue.onCommit(listener);
  }

  recentReadings(filter: RecentFilter): JournalRecord[] {
    this.#open();
    return this.#queries.recentReadings(filter);
  }

  recentEvents(filter: { since?: number; limit: number }): JournalRecord[] {
    this.#open();
    return this.#queries.recentEvents(filter);
  }

  range(fromSeq: number, limit: number): JournalRecord[] {
    this.#open();
    return this.#queries.range(fromSeq, limit);
  }

  record(seq: number): JournalRecord | undefined {
    this.#open();
    return this.#queries.record(seq);
  }

  stats(): JournalStats {
    this.#open();
    return {
      records: this.#queue.records,
      firstSeq: this.#queries.firstSeq(),
      lastSeq: this.#queue.lastSeq,
      sizeBytes: fileSize(this.path) + fileSize(`${this.path}-wal`),
    };
  }

  /** The last record deleted by retention (the first remaining record's prevHash), if any. */
  anchor(): { seq: number; hash: string } | null {
    const seq = readMeta(this.#db, 'anchor_seq');
    const hash = readMeta(this.#db, 'anchor_hash');
    return seq === undefined || hash === undefined ? null : { seq: Number(seq), hash };
  }

  /** A sink's cursor (last delivered seq); registers the sink at 0 on first use. */
  cursor(name: string): number {
    this.#open();
    return this.#cursors.get(name);
  }

  setCursor(name: string, seq: number): void {
    this.#open();
    this.#cursors.set(name, seq, this.#queue.lastSeq);
  }

  /** Forget a sink that is no longer configured, so it stops holding back retention. */
  removeCursor(name: string): boolean {
    this.#open();
    return this.#cursors.remove(name);
  }

  cursors(): { name: string; seq: number; updatedAt: number }[] {
    this.#open();
    return this.#cursors.all();
  }

  /**
   * Delete records older than `cutoffUtcMs` that every registered sink has delivered (a prefix of
   * the sequence only; see retention.ts). Returns how many were deleted.
   */
  applyRetention(cutoffUtcMs: number, maxRows = Number.POSITIVE_INFINITY): number {
    this.#open();
    if (this.#readonly) throw this.#closedError();
    const { deleted } = deleteExpired(this.#db, {
      cutoffUtcMs,
      minCursor: this.#cursors.min(),
      lastSeq: this.#queue.lastSeq,
      maxRows,
    });
    this.#queue.forget(deleted);
    return deleted;
  }

  #open(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): TgError {
    return new TgError('TG_JOURNAL_CLOSED', this.#readonly && !this.#closed ? `${this.path} is open read-only` : this.path);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
