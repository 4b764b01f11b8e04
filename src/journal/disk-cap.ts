/**
 * Bounded disk: the journal's size cap, its full policy, and the retention schedule.
 *
 * Contract:
 * - The measured size is everything the journal keeps on disk: the database's used pages
 *   ((page_count - freelist_count) * page_size) plus the WAL and its index (-wal, -shm files).
 *   The WAL is kept small beside the cap: a checkpoint runs once it holds about 1/16 of the cap
 *   (wal_autocheckpoint, at most SQLite's default of 1000 pages), it is truncated back to that
 *   size after each (journal_size_limit), and a checkpoint follows every delete so the freed pages
 *   leave the file. At the cap, a WAL over that budget is checkpointed and truncated before
 *   anything else: a cap reached by one swollen commit raises no alarm and drops nothing. The size is checked after every commit, every cursor move and retention run
 *   (coalesced on the next turn of the event loop), and every second while the journal is full;
 *   the files may overshoot the cap by about one commit batch (and by what a reader in another
 *   process pins in the WAL while it reads).
 * - At the cap, records every registered sink has delivered are deleted first (the oldest prefix,
 *   down to LOW_WATER of the cap), even if younger than the retention age: they are safe at their
 *   destinations, and keeping them would stop acquisition. With no sink registered nothing counts
 *   as delivered (the journal is the only copy).
 * - If still at the cap, the data at stake is undelivered and the policy applies:
 *   - `drop_oldest`: the oldest records are deleted down to LOW_WATER and one `gap` event (alarm)
 *     is journaled with the dropped seq range, the count and the sink cursors, in the same
 *     transaction as the delete (CommitQueue.commitWith): a crash cannot keep one without the
 *     other. The sinks forward it like any record, so the platform can account for every missing
 *     seq. When an older gap event is itself dropped, the new one takes over its range and count,
 *     so a sink that was away the whole time still learns of every drop.
 *   - `stop`: a `journal_full` event (alarm) is journaled and acquisition pauses: device loops
 *     ask `whenAdmitting()` before each poll and wait (polling nothing) until space is freed below
 *     LOW_WATER by sinks catching up; then `journal_resumed` is journaled with the pause length
 *     and the count of readings refused meanwhile. A reading taken just before the pause waits in
 *     `admit()`; at most MAX_HELD wait there, beyond that each is refused with TG_JOURNAL_FULL and
 *     counted, as are lines a streaming device sends during the pause (`refusedWhilePaused`).
 * - Events and seals are never held or refused by the cap (they are few, and the cap's own events
 *   must get through). Nothing is ever lost silently: every drop and refusal is counted in `stats`
 *   and journaled.
 * - Deletion is always a prefix of the sequence, with the anchor kept in `meta` exactly as
 *   retention does (retention.ts), so the remaining records stay one verifiable chain.
 */
import { statSync } from 'node:fs';
import type { Logger } from '../core/logger.js';
import { TgError } from '../core/errors.js';
import type { EventRecord, GatewayEvent } from '../core/types.js';
import type { TransactionWork } from './commit-queue.js';
import { eventDraft, KIND_CODE } from './records.js';
import { deletePrefix, deletePrefixIn } from './retention.js';
import { BUSY_TIMEOUT_MS, type SqliteDb } from './schema.js';

export type FullPolicy = 'stop' | 'drop_oldest';

/** Free down to this fraction of the cap, so that the policy does not fire on every commit. */
export const LOW_WATER = 0.9;
/** Readings that may wait for space under `stop` before new ones are refused. */
export const MAX_HELD = 10_000;
/** The smallest cap the journal accepts. */
export const MIN_CAP_BYTES = 64 * 1024;
/** Rows one delete step removes at most (better-sqlite3 is synchronous: keep the loop responsive). */
const MAX_ROWS_PER_STEP = 20_000;

export interface DiskCapHost {
  db: SqliteDb;
  log: Logger;
  now(): number;
  lastSeq(): number;
  records(): number;
  minCursor(): number | null;
  cursors(): { name: string; seq: number }[];
  /** Tell the commit queue that `n` rows were deleted. */
  forget(n: number, upToSeq: number): void;
  /** Journal an event (never held by the cap). */
  appendEvent(e: GatewayEvent): Promise<unknown>;
  /** Run `work` in a commit's transaction with the draft it returns (CommitQueue.commitWith). */
  commitWith(work: TransactionWork): Promise<unknown>;
  /** Clock provenance for an event journaled through commitWith. */
  clock(): 'yes' | 'no' | 'unknown';
}

export interface DiskCapStats {
  maxBytes: number;
  /** What the journal keeps on disk: used pages, WAL and WAL index. */
  usedBytes: number;
  /** Of which the WAL and its index. */
  walBytes: number;
  policy: FullPolicy;
  /** `stop` only: readings are waiting for space. */
  full: boolean;
  /** Readings waiting for space now. */
  held: number;
  /** Readings refused with TG_JOURNAL_FULL since the journal opened. */
  refused: number;
  /** Undelivered records dropped (`drop_oldest`) since the journal opened, and in how many gaps. */
  dropped: number;
  gaps: number;
  /** Delivered records deleted before their retention age to stay under the cap. */
  trimmed: number;
}

export class DiskCap {
  readonly #h: DiskCapHost;
  readonly #maxBytes: number;
  readonly #policy: FullPolicy;
  readonly #pageSize: number;
  #scheduled: NodeJS.Immediate | undefined;
  #poll: NodeJS.Timeout | undefined;
  #held: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Device loops waiting to poll again (whenAdmitting). */
  #paused: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  readonly #files: string[];
  readonly #walBudget: number;
  #fullSince: number | null = null;
  #refusedWhileFull = 0;
  #stopped = false;
  #stats = { refused: 0, dropped: 0, gaps: 0, trimmed: 0 };

  constructor(host: DiskCapHost, options: { maxBytes: number; policy: FullPolicy }) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < MIN_CAP_BYTES) {
      throw new TgError('TG_CONFIG_INVALID', `journal maxSize must be at least ${MIN_CAP_BYTES} bytes, got ${options.maxBytes}`);
    }
    this.#h = host;
    this.#maxBytes = options.maxBytes;
    this.#policy = options.policy;
    this.#pageSize = host.db.pragma('page_size', { simple: true }) as number;
    // The WAL's share of the cap: checkpoint once it holds that much, and truncate it back to it.
    const walBudget = Math.max(2 * this.#pageSize, Math.min(64 << 20, Math.floor(options.maxBytes / 16)));
    this.#walBudget = walBudget;
    host.db.pragma(`journal_size_limit = ${walBudget}`);
    host.db.pragma(`wal_autocheckpoint = ${Math.max(2, Math.min(1000, Math.floor(walBudget / this.#pageSize)))}`);
    const name = (host.db as { name?: string }).name;
    this.#files = name && name !== ':memory:' && !host.db.memory ? [`${name}-wal`, `${name}-shm`] : [];
  }

  get full(): boolean {
    return this.#fullSince !== null;
  }

  usedBytes(): number {
    return this.#pagesBytes() + this.#walBytes();
  }

  #pagesBytes(): number {
    const pages = this.#h.db.pragma('page_count', { simple: true }) as number;
    const free = this.#h.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * this.#pageSize;
  }

  #walBytes(): number {
    let n = 0;
    for (const f of this.#files) n += fileSize(f);
    return n;
  }

  stats(): DiskCapStats {
    return {
      maxBytes: this.#maxBytes,
      usedBytes: this.usedBytes(),
      walBytes: this.#walBytes(),
      policy: this.#policy,
      full: this.full,
      held: this.#held.length,
      ...this.#stats,
    };
  }

  /** Before a reading is queued: undefined to go ahead now, else a promise that resolves when it
   *  may be queued (or rejects with TG_JOURNAL_FULL / the journal's close reason). */
  admit(): Promise<void> | undefined {
    if (!this.full) return undefined;
    if (this.#held.length >= MAX_HELD) {
      this.#stats.refused += 1;
      this.#refusedWhileFull += 1;
      return Promise.reject(new TgError('TG_JOURNAL_FULL', `the journal reached its cap of ${this.#maxBytes} bytes (policy stop)`));
    }
    return new Promise<void>((resolve, reject) => this.#held.push({ resolve, reject }));
  }

  /**
   * Before a device polls: undefined to go ahead, else (policy `stop`, journal full) a promise
   * that resolves when acquisition may resume, or rejects when the journal closes.
   */
  whenAdmitting(): Promise<void> | undefined {
    if (!this.full) return undefined;
    return new Promise<void>((resolve, reject) => this.#paused.push({ resolve, reject }));
  }

  /** A streaming device's reading arrived while paused and was not kept: counted as refused. */
  refusedWhilePaused(n = 1): void {
    this.#stats.refused += n;
    this.#refusedWhileFull += n;
  }

  /** Check on the next turn of the event loop (calls within one turn coalesce). */
  schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.check();
    });
  }

  check(): void {
    if (this.#stopped) return;
    let used = this.usedBytes();
    if (used < this.#maxBytes && !this.full) return;
    // A WAL swollen by one large commit is space no record needs: give it back first, or it alone
    // would raise journal_full (stop) or drop undelivered records (drop_oldest).
    if (this.#checkpoint()) used = this.usedBytes();
    const target = Math.floor(this.#maxBytes * LOW_WATER);
    const minCursor = this.#h.minCursor();
    if (minCursor !== null && used > target) {
      const trimmed = this.#deleteDownTo(target, minCursor);
      if (trimmed.deleted > 0) {
        this.#stats.trimmed += trimmed.deleted;
        this.#h.log.info({ deleted: trimmed.deleted, upTo: trimmed.last }, 'journal cap: deleted delivered records before their retention age');
        this.#checkpoint();
        used = this.usedBytes();
      }
    }
    if (this.#policy === 'drop_oldest') {
      if (used >= this.#maxBytes) this.#drop(target);
    } else if (!this.full && used >= this.#maxBytes) {
      this.#enterFull(used);
    } else if (this.full && used < target) {
      this.#leaveFull(used);
    }
  }

  /** The journal is closing: refuse what waits, stop checking. */
  stop(reason: Error): void {
    this.#stopped = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    clearInterval(this.#poll);
    const held = [...this.#held, ...this.#paused];
    this.#held = [];
    this.#paused = [];
    for (const h of held) h.reject(reason);
  }

  /**
   * Moves the WAL into the database without waiting for readers: freed pages leave the file and
   * the WAL can start over. A WAL over its budget (one large commit or delete swells it) is also
   * truncated at once, again without waiting (a reader that holds it keeps it for now), instead of
   * at the next commit. True when it was truncated.
   */
  #checkpoint(): boolean {
    const db = this.#h.db;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      if (this.#files.length === 0 || fileSize(this.#files[0]!) <= this.#walBudget) return false;
      db.pragma('busy_timeout = 0');
      try {
        const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        return r?.busy === 0;
      } finally {
        db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    } catch (err) {
      this.#h.log.debug({ err }, 'journal cap: checkpoint failed');
      return false;
    }
  }

  #drop(target: number): void {
    // The delete and the gap event that names it commit in one transaction (commitWith), so a
    // crash between them cannot lose the record of which seqs were dropped.
    const work: TransactionWork = () => {
      const dropped = this.#dropInTransaction(target);
      if (!dropped) return undefined;
      const { event, first, last, deleted } = dropped;
      return {
        draft: { ...eventDraft(event, 'event'), clock: this.#h.clock() },
        after: () => {
          this.#h.forget(deleted, last);
          this.#stats.dropped += deleted;
          this.#stats.gaps += 1;
          this.#h.log.error({ firstSeq: first, lastSeq: last, count: deleted }, 'journal full: dropped undelivered records');
          this.#h.db.pragma('incremental_vacuum');
          this.#checkpoint();
        },
      };
    };
    this.#h.commitWith(work).catch((err: unknown) => this.#h.log.error({ err }, 'journal cap: could not drop records'));
  }

  /** Inside the commit's transaction: deletes the oldest records down to `target` and builds the
   *  gap event for them (absorbing the earlier gap events it deletes). */
  #dropInTransaction(target: number): { event: GatewayEvent; first: number; last: number; deleted: number } | undefined {
    const db = this.#h.db;
    const earlier: { firstSeq: number; count: number }[] = [];
    const gapEvents = db.prepare(`SELECT body FROM records WHERE seq BETWEEN ? AND ? AND kind = ${KIND_CODE.event}`).pluck();
    const firstSeq = db.prepare('SELECT MIN(seq) FROM records').pluck();
    const count = db.prepare('SELECT COUNT(*) FROM records').pluck();
    let deleted = 0;
    let first = 0;
    let last = 0;
    let used = this.usedBytes();
    const records0 = count.get() as number;
    // Pages only free up when they empty: allow twice the estimate, never the whole journal by
    // accident of page accounting.
    const budget = 2 * Math.ceil((used - target) / Math.max(1, used / Math.max(1, records0))) + 100;
    while (used > target && deleted < budget) {
      const from = firstSeq.get() as number | null;
      const records = records0 - deleted;
      if (from === null || records <= 0) break;
      const rows = Math.min(MAX_ROWS_PER_STEP, budget - deleted, Math.max(1, Math.ceil((used - target) / Math.max(1, used / records))));
      const upTo = Math.min(from + rows - 1, this.#h.lastSeq());
      for (const body of gapEvents.all(from, upTo) as string[]) {
        if (!body.includes('"type":"gap"')) continue;
        const data = (JSON.parse(body) as EventRecord).event?.data as { firstSeq?: unknown; count?: unknown } | undefined;
        if (typeof data?.firstSeq === 'number' && typeof data.count === 'number') earlier.push({ firstSeq: data.firstSeq, count: data.count });
      }
      const n = deletePrefixIn(db, upTo).deleted;
      if (n === 0) break;
      if (deleted === 0) first = from;
      deleted += n;
      last = upTo;
      used = this.#pagesBytes() + this.#walBytes();
    }
    if (deleted === 0) return undefined;
    const firstOfAll = Math.min(first, ...earlier.map((e) => e.firstSeq));
    const total = deleted + earlier.reduce((n, e) => n + e.count, 0);
    const event: GatewayEvent = {
      type: 'gap',
      severity: 'alarm',
      time: this.#h.now(),
      message: `journal full (cap ${this.#maxBytes} bytes): dropped ${deleted} undelivered record(s), seq ${first}..${last} (policy drop_oldest)`,
      // firstSeq..lastSeq: every seq in it that a sink has not delivered is gone for good; count:
      // how many records that is in all (this drop plus the earlier gaps it absorbs).
      data: {
        reason: 'journal_full',
        policy: 'drop_oldest',
        firstSeq: firstOfAll,
        lastSeq: last,
        count: total,
        dropped: deleted,
        ...(earlier.length > 0 ? { absorbedGaps: earlier.length } : {}),
        maxBytes: this.#maxBytes,
        cursors: this.#h.cursors(),
      },
    };
    return { event, first, last, deleted };
  }

  #enterFull(used: number): void {
    this.#fullSince = this.#h.now();
    this.#refusedWhileFull = 0;
    this.#poll = setInterval(() => this.schedule(), 1000).unref();
    this.#h.log.error({ usedBytes: used, maxBytes: this.#maxBytes }, 'journal full: acquisition paused until the sinks catch up');
    this.#journal({
      type: 'journal_full',
      severity: 'alarm',
      time: this.#h.now(),
      message: `journal full (cap ${this.#maxBytes} bytes) with undelivered records: acquisition paused (policy stop)`,
      data: { policy: 'stop', usedBytes: used, maxBytes: this.#maxBytes, lastSeq: this.#h.lastSeq(), cursors: this.#h.cursors() },
    });
  }

  #leaveFull(used: number): void {
    const pausedMs = this.#h.now() - (this.#fullSince ?? this.#h.now());
    const refused = this.#refusedWhileFull;
    const held = [...this.#held, ...this.#paused];
    this.#fullSince = null;
    clearInterval(this.#poll);
    this.#held = [];
    this.#paused = [];
    this.#h.log.warn({ pausedMs, refused, resumed: held.length }, 'journal below its cap again: acquisition resumes');
    this.#journal({
      type: 'journal_resumed',
      severity: refused > 0 ? 'warning' : 'info',
      time: this.#h.now(),
      message: `journal below its cap again after ${Math.round(pausedMs / 1000)} s: acquisition resumes (${refused} reading(s) refused meanwhile)`,
      data: { policy: 'stop', pausedMs, refused, usedBytes: used, maxBytes: this.#maxBytes },
    });
    for (const h of held) h.resolve();
  }

  /** Deletes the oldest records, at most up to seq `limit`, until the used size is below `target`. */
  #deleteDownTo(target: number, limit: number, beforeDelete?: (from: number, upTo: number) => void): { deleted: number; first: number; last: number } {
    const db = this.#h.db;
    const firstSeq = db.prepare('SELECT MIN(seq) FROM records').pluck();
    let deleted = 0;
    let first = 0;
    let last = 0;
    // Pages only free up when they empty: allow twice the estimate, never the whole journal by
    // accident of page accounting.
    const used0 = this.usedBytes();
    const budget = 2 * Math.ceil((used0 - target) / Math.max(1, used0 / Math.max(1, this.#h.records()))) + 100;
    for (let used = used0; used > target && deleted < budget; used = this.usedBytes()) {
      const from = firstSeq.get() as number | null;
      const records = this.#h.records();
      if (from === null || records <= 0 || from > limit) break;
      const perRecord = Math.max(1, used / records);
      const rows = Math.min(MAX_ROWS_PER_STEP, budget - deleted, Math.max(1, Math.ceil((used - target) / perRecord)));
      const upTo = Math.min(from + rows - 1, limit, this.#h.lastSeq());
      beforeDelete?.(from, upTo);
      const n = deletePrefix(db, upTo).deleted;
      if (n === 0) break;
      this.#h.forget(n, upTo);
      if (deleted === 0) first = from;
      deleted += n;
      last = upTo;
    }
    return { deleted, first, last };
  }

  #journal(event: GatewayEvent): void {
    this.#h.appendEvent(event).catch((err: unknown) => this.#h.log.error({ err, type: event.type }, 'could not journal a disk-cap event'));
  }
}

/** A file's size, 0 when it is not there (yet). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
