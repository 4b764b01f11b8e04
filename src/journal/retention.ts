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
    const anchor = db.prepare('SELECT seq, hash FROM records WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(upTo) as {
      seq: number;
      hash: string;
    };
    const { changes } = db.prepare('DELETE FROM records WHERE seq <= ?').run(upTo);
    writeMeta(db, 'anchor_seq', String(anchor.seq));
    writeMeta(db, 'anchor_hash', anchor.hash);
    return { deleted: changes, anchor };
  });
  const result = run.immediate();
  // Give freed pages back to the file system (the file was created with auto_vacuum INCREMENTAL).
  if (result.deleted > 0) db.pragma('incremental_vacuum');
  return result;
}
