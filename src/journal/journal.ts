/**
 * The journal: the gateway's single source of truth. An acquisition is *acknowledged* when the
 * promise returned by `appendAcquisition` resolves, which happens only after the SQLite transaction
 * holding its row committed (with synchronous=FULL, durably on disk).
 *
 * Contract:
 * - Group commit: appends are queued and committed together, every `commitIntervalMs` (real time:
 *   durability must never wait on a simulated clock) or at once when `batchSize` (500) are pending.
 * - One transaction per batch assigns gateway-wide, gap-free, increasing seq numbers lastSeq+1..,
 *   extends the hash chain (`src/integrity/chain.ts`) and inserts the rows. If the transaction
 *   fails, seq and chain head roll back and every promise of that batch rejects: no gap, no fork.
 *   A record that cannot be hashed (found before the transaction) is rejected alone and takes no seq.
 * - Every record carries `clock` ('yes'/'no'/'unknown'), covered by its hash: an acquisition the
 *   state acquisition read when it took it (and flagged its channels by, before the checks), an
 *   event or seal the `clockSync` provider's state at append time.
 * - A bounded in-memory tail (tail.ts) keeps the latest committed records with their bytes:
 *   `entries` serves sinks from it while they keep up and from SQLite when they fell behind.
 *   Sinks register their cursors (`tailReader`): what every one of them confirmed leaves the tail.
 * - On open, numbering and chain continue from the last stored record (or from the retention
 *   anchor when retention emptied the table).
 * - `onCommit` listeners run after each committed batch, in commit order; a listener that throws is
 *   logged and the journal carries on. Listeners must not mutate the records they are given.
 * - With `maxSizeBytes`, the disk cap (disk-cap.ts) bounds the file: at the cap, delivered records
 *   go first; then, per `fullPolicy`, acquisitions wait for space (`stop`) or the oldest records are
 *   dropped with a journaled `gap` event (`drop_oldest`). Events and seals are never held.
 * - After `close()` (which flushes first) appends reject with TgError TG_JOURNAL_CLOSED, and so do
 *   queries. A journal opened `readonly` serves queries and refuses appends the same way.
 * - Everything touching the database is synchronous (better-sqlite3), so batches never interleave.
 */
import { statSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { TgError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RecordReading } from '../core/records.js';
import type { Acquisition, ClockSyncState, GatewayEvent, JournalRecord } from '../core/types.js';
import type { ClockSyncProvider } from '../core/clock-sync.js';
import { HashChain } from '../integrity/chain.js';
import { CommitQueue, type CommitStats } from './commit-queue.js';
import { CursorStore } from './cursors.js';
import { JournalQueries, type RecentFilter } from './queries.js';
import { acquisitionDraft, eventDraft, type Draft } from './records.js';
import type { CommittedRecord } from './stored.js';
import { RecordTail, type TailLimits, type TailReader } from './tail.js';
import { deleteExpired } from './retention.js';
import { DiskCap, type DiskCapStats, type FullPolicy } from './disk-cap.js';
import { journalBodies, openJournalDb, type SqliteDb } from './schema.js';

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
  /** Size cap in bytes of the database's used pages, and what happens at it (disk-cap.ts). */
  maxSizeBytes?: number;
  /** Default 'stop': readings wait for space. 'drop_oldest': the oldest records go, with a gap event. */
  fullPolicy?: FullPolicy;
  /** Clock provenance stamped on events and seals as `clock` (default: always 'unknown');
   *  acquisitions carry their own. */
  clockSync?: ClockSyncProvider;
  /** Bounds of the in-memory tail the sinks read from (default 4096 records, 12 MiB, 5 s). */
  tail?: TailLimits;
}

export interface JournalStats {
  records: number;
  firstSeq: number | null;
  lastSeq: number;
  sizeBytes: number;
}

/** Called with each committed batch, in seq order; listeners must not mutate what they are given. */
export type CommitListener = (records: readonly CommittedRecord[]) => void;

export class Journal {
  readonly path: string;
  readonly gateway: string;
  readonly lab: string;
  readonly #db: SqliteDb;
  readonly #queries: JournalQueries;
  readonly #cursors: CursorStore;
  readonly #queue: CommitQueue;
  readonly #readonly: boolean;
  readonly #cap: DiskCap | undefined;
  readonly #clockSync: ClockSyncProvider;
  readonly #tail: RecordTail;
  readonly #encoders: ((r: JournalRecord) => string)[] = [];
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
    this.#clockSync = opts.clockSync ?? { state: () => 'unknown' };
    const bodies = journalBodies(db);
    this.#queries = new JournalQueries(db, bodies);
    this.#tail = new RecordTail(opts.tail ?? { maxRecords: 4096, maxBytes: 12 * 1024 * 1024, maxAgeMs: 5000 });
    this.#cursors = new CursorStore(db, () => opts.clock.now());
    const tail = this.#queries.last() ?? this.anchor() ?? { seq: 0, hash: '' };
    const count = db.prepare('SELECT COUNT(*) FROM records').pluck().get() as number;
    this.#queue = new CommitQueue({
      db,
      gateway: opts.gateway,
      lab: opts.lab,
      chain: new HashChain(tail.hash),
      bodies,
      lastSeq: tail.seq,
      records: count,
      commitIntervalMs: opts.commitIntervalMs,
      batchSize: opts.batchSize ?? 500,
      clock: opts.clock,
      log: opts.log,
    });
    if (opts.maxSizeBytes !== undefined && !this.#readonly) {
      const cap = new DiskCap(
        {
          db,
          log: opts.log,
          now: () => opts.clock.now(),
          lastSeq: () => this.#queue.lastSeq,
          records: () => this.#queue.records,
          minCursor: () => this.#cursors.min(),
          cursors: () => this.#cursors.all().map(({ name, seq }) => ({ name, seq })),
          forget: (n, upTo) => this.#forget(n, upTo),
          appendEvent: (e) => this.appendEvent(e),
          commitWith: (work) => this.#queue.commitWith(work),
          clock: () => this.#clockSync.state(),
        },
        { maxBytes: opts.maxSizeBytes, policy: opts.fullPolicy ?? 'stop' },
      );
      this.#cap = cap;
      this.#queue.onCommit(() => cap.schedule());
      cap.schedule(); // a journal reopened over its cap
    }
    this.#queue.onCommit((batch) => {
      if (this.#encoders.length > 0) for (const r of batch) r.encoded = this.#encoders.map((e) => tryEncode(e, r.record));
      this.#tail.push(batch);
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

  /** When the next commit comes at the earliest as things stand (performance.now() ms): see
   *  CommitQueue.nextCommitAt. Sinks use it to share a commit's wake-up. */
  nextCommitAt(): number {
    return this.#queue.nextCommitAt();
  }

  /** Appends queued and not yet committed. */
  get pending(): number {
    return this.#queue.pending;
  }

  get commitStats(): CommitStats {
    return this.#queue.stats();
  }

  /** One acquisition, flags and the checks' annotations decided. The journal takes ownership. */
  appendAcquisition(a: Acquisition): Promise<JournalRecord> {
    return this.#append(() => acquisitionDraft(a), true);
  }

  appendEvent(e: GatewayEvent, kind: 'event' | 'seal' = 'event'): Promise<JournalRecord> {
    return this.#append(() => this.#stamp(eventDraft(e, kind)));
  }

  /**
   * Append a seal over the exact record that precedes it: `build` runs inside the commit with the
   * head it will follow (seq, hash) and returns the seal event (see integrity/seal.ts).
   */
  appendSeal(build: (head: { seq: number; hash: string }) => GatewayEvent): Promise<JournalRecord> {
    if (this.#closed || this.#readonly) return Promise.reject(this.#closedError());
    return this.#queue.enqueue((head) => this.#stamp(eventDraft(build(head), 'seal')));
  }

  /** An event's clock provenance, read when it is appended (a seal: when it is built). */
  #stamp(draft: Draft): Draft {
    const clock: ClockSyncState = this.#clockSync.state();
    return { ...draft, clock };
  }

  /** `capped`: an acquisition, which waits (or is refused) while the disk cap says full. */
  #append(makeDraft: () => Draft, capped = false): Promise<JournalRecord> {
    if (this.#closed || this.#readonly) return Promise.reject(this.#closedError());
    try {
      const draft = makeDraft();
      const wait = capped ? this.#cap?.admit() : undefined;
      if (wait) return wait.then(() => this.#queue.enqueue(draft));
      return this.#queue.enqueue(draft);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Before a device polls: undefined to go ahead, or (the disk cap full under policy `stop`) a
   * promise that resolves when acquisition may resume. Rejects when the journal closes.
   */
  whenAdmitting(): Promise<void> | undefined {
    if (this.#closed || this.#readonly) return undefined;
    return this.#cap?.whenAdmitting();
  }

  /** Acquisition is paused: the disk cap is full under policy `stop` (see whenAdmitting). */
  get acquisitionPaused(): boolean {
    return this.#cap?.full ?? false;
  }

  /** A streaming device's reading that arrived during a pause and was not kept. */
  refusedWhilePaused(n = 1): void {
    this.#cap?.refusedWhilePaused(n);
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
    this.#cap?.stop(this.#closedError());
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

  /**
   * Registers a sink's encoding: it runs on every record at commit, while the record's object is
   * in memory, and the result stays with the record in the tail, as UTF-8 bytes (like the body:
   * outside the V8 heap). Returns the function that gives a committed record's encoding (made at
   * commit, or now, as text, for a record read back from SQLite).
   */
  addEncoder(encode: (r: JournalRecord) => string): (r: CommittedRecord) => string | Buffer {
    const slot = this.#encoders.push(encode) - 1;
    return (r) => (r as { encoded?: (Buffer | undefined)[] }).encoded?.[slot] ?? encode(r.record);
  }

  /** Acquisition records newest first (by time for one device, by seq across devices). */
  recentAcquisitions(filter: Omit<RecentFilter, 'channel'>): JournalRecord[] {
    this.#open();
    return this.#queries.recentAcquisitions(filter);
  }

  /** Channel readings newest first. */
  recentReadings(filter: RecentFilter): RecordReading[] {
    this.#open();
    return this.#queries.recentReadings(filter);
  }

  recentEvents(filter: { since?: number; limit: number; seals?: boolean }): JournalRecord[] {
    this.#open();
    return this.#queries.recentEvents(filter);
  }

  /** Committed records from `fromSeq` on, in seq order: from the in-memory tail when it still
   *  holds `fromSeq`, else from SQLite. Their JSON and objects are made on demand. */
  entries(fromSeq: number, limit: number): CommittedRecord[] {
    this.#open();
    if (!Number.isFinite(fromSeq)) throw new RangeError(`fromSeq must be a finite number, got ${fromSeq}`);
    if (limit <= 0) return [];
    const from = Math.ceil(fromSeq);
    return this.#tail.slice(from, limit) ?? this.#queries.range(from, limit);
  }

  /** Records the in-memory tail holds now. */
  get tailSize(): number {
    return this.#tail.size;
  }

  /**
   * Registers a reader of `entries` that never asks again for what its cursor passed (a sink):
   * records every such reader has passed leave the in-memory tail at once (tail.ts).
   */
  tailReader(cursor: number): TailReader {
    return this.#tail.reader(cursor);
  }

  range(fromSeq: number, limit: number): JournalRecord[] {
    return this.entries(fromSeq, limit).map((r) => r.record);
  }

  record(seq: number): JournalRecord | undefined {
    this.#open();
    return (this.#tail.slice(seq, 1)?.[0] ?? this.#queries.record(seq))?.record;
  }

  stats(): JournalStats {
    this.#open();
    return {
      records: this.#queue.records,
      firstSeq: this.#queries.firstSeq(),
      lastSeq: this.#queue.lastSeq,
      sizeBytes: fileSize(this.path) + fileSize(`${this.path}-wal`) + fileSize(`${this.path}-shm`),
    };
  }

  /** The last record deleted by retention (the first remaining record's prevHash), if any. */
  anchor(): { seq: number; hash: string } | null {
    return this.#queries.anchor();
  }

  /** A sink's cursor (last delivered seq); registers the sink at 0 on first use. */
  cursor(name: string): number {
    this.#open();
    return this.#cursors.get(name);
  }

  setCursor(name: string, seq: number): void {
    this.#open();
    this.#cursors.set(name, seq, this.#queue.lastSeq);
    this.#cap?.schedule(); // delivered records may now make room
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
    const { deleted, anchor } = deleteExpired(this.#db, {
      cutoffUtcMs,
      minCursor: this.#cursors.min(),
      lastSeq: this.#queue.lastSeq,
      maxRows,
    });
    if (anchor) this.#forget(deleted, anchor.seq);
    if (deleted > 0) this.#cap?.schedule();
    return deleted;
  }

  /** `n` records up to `upToSeq` were deleted. */
  #forget(n: number, upToSeq: number): void {
    this.#queue.forget(n);
    this.#tail.forget(upToSeq);
  }

  /** The size cap's state and counters (dropped, refused), or null when no cap is configured. */
  capStats(): DiskCapStats | null {
    this.#open();
    return this.#cap?.stats() ?? null;
  }

  #open(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): TgError {
    return new TgError('TG_JOURNAL_CLOSED', this.#readonly && !this.#closed ? `${this.path} is open read-only` : this.path);
  }
}

/** An encoder's output, or undefined when it threw (the sink encodes again and meets the error itself). */
function tryEncode(encode: (r: JournalRecord) => string, record: JournalRecord): Buffer | undefined {
  try {
    return Buffer.from(encode(record), 'utf8');
  } catch {
    return undefined;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
