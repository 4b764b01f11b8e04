/**
 * Bounded disk: the journal's size cap, its full policy, and the retention schedule.
 *
 * Contract:
 * - The measured size is the database's used pages ((page_count - freelist_count) * page_size).
 *   It is checked after every commit, every cursor move and retention run (coalesced on the next
 *   turn of the event loop), and every second while the journal is full; the file may overshoot
 *   the cap by about one commit batch. The WAL is bounded separately (journal_size_limit).
 * - At the cap, records every registered sink has delivered are deleted first (the oldest prefix,
 *   down to LOW_WATER of the cap), even if younger than the retention age: they are safe at their
 *   destinations, and keeping them would stop acquisition. With no sink registered nothing counts
 *   as delivered (the journal is the only copy).
 * - If still at the cap, the data at stake is undelivered and the policy applies:
 *   - `drop_oldest`: the oldest records are deleted down to LOW_WATER and one `gap` event (alarm)
 *     is journaled with the dropped seq range, the count and the sink cursors. The sinks forward it
 *     like any record, so the platform can account for every missing seq. When an older gap event
 *     is itself dropped, the new one takes over its range and count, so a sink that was away the
 *     whole time still learns of every drop.
 *   - `stop`: a `journal_full` event (alarm) is journaled and new readings wait (acquisition's
 *     back-pressure pauses the device loops) until space is freed below LOW_WATER by sinks
 *     catching up; then `journal_resumed` is journaled with the pause length and the count of
 *     readings refused meanwhile. At most MAX_HELD readings wait; beyond that each is refused at
 *     once with TG_JOURNAL_FULL and counted.
 * - Events and seals are never held or refused by the cap (they are few, and the cap's own events
 *   must get through). Nothing is ever lost silently: every drop and refusal is counted in `stats`
 *   and journaled.
 * - Deletion is always a prefix of the sequence, with the anchor kept in `meta` exactly as
 *   retention does (retention.ts), so the remaining records stay one verifiable chain.
 */
import type { Logger } from '../core/logger.js';
import { TgError } from '../core/errors.js';
import type { EventRecord, GatewayEvent } from '../core/types.js';
import { KIND_CODE } from './records.js';
import { deletePrefix } from './retention.js';
import type { SqliteDb } from './schema.js';

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
}

export interface DiskCapStats {
  maxBytes: number;
  usedBytes: number;
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
    // Truncate the WAL back to this after checkpoints, so it cannot grow unseen beside the cap.
    const walLimit = Math.max(1 << 20, Math.min(64 << 20, Math.floor(options.maxBytes / 8)));
    host.db.pragma(`journal_size_limit = ${walLimit}`);
  }

  get full(): boolean {
    return this.#fullSince !== null;
  }

  usedBytes(): number {
    const pages = this.#h.db.pragma('page_count', { simple: true }) as number;
    const free = this.#h.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * this.#pageSize;
  }

  stats(): DiskCapStats {
    return {
      maxBytes: this.#maxBytes,
      usedBytes: this.usedBytes(),
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
    const target = Math.floor(this.#maxBytes * LOW_WATER);
    const minCursor = this.#h.minCursor();
    if (minCursor !== null && used > target) {
      const trimmed = this.#deleteDownTo(target, minCursor);
      if (trimmed.deleted > 0) {
        this.#stats.trimmed += trimmed.deleted;
        this.#h.log.info({ deleted: trimmed.deleted, upTo: trimmed.last }, 'journal cap: deleted delivered records before their retention age');
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
    const held = this.#held;
    this.#held = [];
    for (const h of held) h.reject(reason);
  }

  #drop(target: number): void {
    // Earlier gap events that are dropped now would take their news with them: the new gap event
    // takes over their ranges and counts (the dropped seqs always form one prefix).
    const earlier: { firstSeq: number; count: number }[] = [];
    const gapEvents = this.#h.db.prepare(`SELECT body FROM records WHERE seq BETWEEN ? AND ? AND kind = ${KIND_CODE.event}`).pluck();
    const dropped = this.#deleteDownTo(target, Number.POSITIVE_INFINITY, (from, upTo) => {
      for (const body of gapEvents.all(from, upTo) as string[]) {
        if (!body.includes('"type":"gap"')) continue;
        const data = (JSON.parse(body) as EventRecord).event?.data as { firstSeq?: unknown; count?: unknown } | undefined;
        if (typeof data?.firstSeq === 'number' && typeof data.count === 'number') earlier.push({ firstSeq: data.firstSeq, count: data.count });
      }
    });
    if (dropped.deleted === 0) return;
    this.#stats.dropped += dropped.deleted;
    this.#stats.gaps += 1;
    const { last, deleted } = dropped;
    const first = Math.min(dropped.first, ...earlier.map((e) => e.firstSeq));
    const count = deleted + earlier.reduce((n, e) => n + e.count, 0);
    const event: GatewayEvent = {
      type: 'gap',
      severity: 'alarm',
      time: this.#h.now(),
      message: `journal full (cap ${this.#maxBytes} bytes): dropped ${deleted} undelivered record(s), seq ${dropped.first}..${last} (policy drop_oldest)`,
      // firstSeq..lastSeq: every seq in it that a sink has not delivered is gone for good; count:
      // how many records that is in all (this drop plus the earlier gaps it absorbs).
      data: {
        reason: 'journal_full',
        policy: 'drop_oldest',
        firstSeq: first,
        lastSeq: last,
        count,
        dropped: deleted,
        ...(earlier.length > 0 ? { absorbedGaps: earlier.length } : {}),
        maxBytes: this.#maxBytes,
        cursors: this.#h.cursors(),
      },
    };
    this.#h.log.error({ firstSeq: first, lastSeq: last, count: deleted }, 'journal full: dropped undelivered records');
    this.#journal(event);
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
    const held = this.#held;
    this.#fullSince = null;
    clearInterval(this.#poll);
    this.#held = [];
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
