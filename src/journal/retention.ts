/**
 * Retention: deleting old records that every sink has already delivered.
 *
 * Contract:
 * - A record is deleted only when its time is older than the cutoff AND its seq ≤ the smallest
 *   registered sink cursor (no sink registered: no cursor constraint).
 * - Only a prefix of the sequence is ever deleted: retention stops at the first record, in seq
 *   order, that is not yet deletable. Reading times are not strictly increasing in seq (devices
 *   time-stamp on their own), and deleting from the middle would leave holes that break the hash
 *   chain for every verifier; a prefix keeps what remains one unbroken chain.
 * - The last deleted record's seq and hash are kept in `meta` (anchor_seq, anchor_hash), so a
 *   verifier can check that the first remaining record links to it, and a journal emptied by
 *   retention still continues its numbering and chain.
 * - `maxRows` bounds the work of one call (better-sqlite3 is synchronous: a huge delete blocks the
 *   event loop); when the return value equals `maxRows` more may be deletable.
 */
import type { Logger } from '../core/logger.js';
import { writeMeta, type SqliteDb } from './schema.js';

export interface RetentionInput {
  cutoffUtcMs: number;
  /** Smallest sink cursor, or null when no sink is registered. */
  minCursor: number | null;
  lastSeq: number;
  maxRows: number;
}

export interface RetentionResult {
  deleted: number;
  /** The last deleted record, when any was deleted. */
  anchor?: { seq: number; hash: string };
}

export function deleteExpired(db: SqliteDb, input: RetentionInput): RetentionResult {
  if (!Number.isFinite(input.cutoffUtcMs)) throw new RangeError(`retention cutoff must be a finite UTC ms, got ${input.cutoffUtcMs}`);
  const run = db.transaction((): RetentionResult => {
    const first = db.prepare('SELECT MIN(seq) FROM records').pluck().get() as number | null;
    if (first === null) return { deleted: 0 };
    // `+time` keeps the planner off the time indexes: walk seq order from the oldest record,
    // which costs about as many rows as are about to be deleted.
    const firstYoung = db.prepare('SELECT seq FROM records WHERE +time >= ? ORDER BY seq LIMIT 1').pluck().get(input.cutoffUtcMs) as
      | number
      | undefined;
    let upTo = Math.min(input.lastSeq, input.minCursor ?? input.lastSeq);
    if (firstYoung !== undefined) upTo = Math.min(upTo, firstYoung - 1);
    if (Number.isFinite(input.maxRows)) upTo = Math.min(upTo, first + Math.max(0, Math.floor(input.maxRows)) - 1);
    if (upTo < first) return { deleted: 0 };
    return deletePrefixIn(db, upTo);
  });
  const result = run.immediate();
  // Give freed pages back to the file system (the file was created with auto_vacuum INCREMENTAL).
  if (result.deleted > 0) db.pragma('incremental_vacuum');
  return result;
}

/** Deletes the records with seq ≤ upTo in one transaction and keeps the anchor; frees the pages. */
export function deletePrefix(db: SqliteDb, upTo: number): RetentionResult {
  const result = db.transaction(() => deletePrefixIn(db, upTo)).immediate();
  if (result.deleted > 0) db.pragma('incremental_vacuum');
  return result;
}

/** The delete itself, inside the caller's transaction: the last deleted record becomes the anchor. */
export function deletePrefixIn(db: SqliteDb, upTo: number): RetentionResult {
  const last = db.prepare('SELECT seq, hash FROM records WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(upTo) as
    | { seq: number; hash: Buffer }
    | undefined;
  if (!last) return { deleted: 0 };
  const anchor = { seq: last.seq, hash: last.hash.toString('hex') };
  const { changes } = db.prepare('DELETE FROM records WHERE seq <= ?').run(upTo);
  writeMeta(db, 'anchor_seq', String(anchor.seq));
  writeMeta(db, 'anchor_hash', anchor.hash);
  return { deleted: changes, anchor };
}
/**
 * Applies retention every `everyMs` (default one minute): deletes records older than `retentionMs`
 * that every sink delivered, `maxRowsPerStep` at a time so the event loop stays responsive.
 * Returns the function that stops the schedule.
 */
export function scheduleRetention(
  journal: { applyRetention(cutoffUtcMs: number, maxRows?: number): number },
  options: { retentionMs: number; now: () => number; log: Logger; everyMs?: number; maxRowsPerStep?: number },
): () => void {
  const step = options.maxRowsPerStep ?? 10_000;
  let stopped = false;
  let running = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    let total = 0;
    try {
      for (;;) {
        const n = journal.applyRetention(options.now() - options.retentionMs, step);
        total += n;
        if (n < step || stopped) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (total > 0) options.log.info({ deleted: total }, 'retention: deleted delivered records past the retention age');
    } catch (err) {
      if (!stopped) options.log.warn({ err }, 'retention run failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs ?? 60_000).unref();
  void run();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
