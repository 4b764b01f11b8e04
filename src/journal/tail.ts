/**
 * The journal's in-memory tail: the most recently committed records, contiguous in seq, so that
 * sinks that keep up read what was just committed without touching SQLite or parsing JSON.
 *
 * Contract:
 * - `push` appends committed records in seq order (each the next seq); the oldest are evicted
 *   beyond `maxRecords` or `maxBytes` (approximate), so memory stays bounded whatever the rate,
 *   and so are those committed more than `maxAgeMs` before (by the monotonic `now`): a sink that
 *   keeps up reads a record well within a second of its commit, and one that does not reads
 *   SQLite anyway, so older records would only hold memory (at 100 records/s, 4096 records are
 *   40 s and several MiB of heap).
 * - `slice(fromSeq, limit)` returns the records from `fromSeq` on when the tail still holds
 *   `fromSeq` (or `fromSeq` is just past its end: an empty slice), else undefined: the reader then
 *   goes to SQLite.
 * - `forget(upToSeq)` drops records that were deleted from the journal (retention, the disk cap),
 *   so the tail never serves a record the journal no longer has.
 */
import type { StoredRecord } from './stored.js';

export interface TailLimits {
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** A monotonic millisecond clock (the tail's age bound must not follow steps of the wall clock). */
const monotonicMs = (): number => performance.now();

export class RecordTail {
  readonly #limits: TailLimits;
  readonly #now: () => number;
  #records: StoredRecord[] = [];
  /** When each entry of #records was pushed (`#now()`), index for index. */
  #pushedAt: number[] = [];
  /** Index of the first live entry in #records (evicted entries before it are compacted lazily). */
  #start = 0;
  #bytes = 0;

  constructor(limits: TailLimits, now: () => number = monotonicMs) {
    this.#limits = limits;
    this.#now = now;
  }

  get size(): number {
    return this.#records.length - this.#start;
  }

  get firstSeq(): number | undefined {
    return this.#records[this.#start]?.seq;
  }

  push(batch: readonly StoredRecord[]): void {
    const now = this.#now();
    for (const r of batch) {
      const last = this.#records[this.#records.length - 1];
      if (last !== undefined && this.size > 0 && r.seq !== last.seq + 1) this.clear(); // never a hole
      this.#records.push(r);
      this.#pushedAt.push(now);
      this.#bytes += r.size;
    }
    const { maxRecords, maxBytes, maxAgeMs } = this.#limits;
    while (this.size > maxRecords || (this.#bytes > maxBytes && this.size > 1) || this.#pushedAt[this.#start]! < now - maxAgeMs) this.#evictOne();
    this.#compact();
  }

  slice(fromSeq: number, limit: number): StoredRecord[] | undefined {
    const first = this.firstSeq;
    if (first === undefined || fromSeq < first) return undefined;
    const from = this.#start + (fromSeq - first);
    if (from > this.#records.length) return undefined;
    return this.#records.slice(from, Math.min(this.#records.length, from + limit));
  }

  forget(upToSeq: number): void {
    while (this.size > 0 && this.#records[this.#start]!.seq <= upToSeq) this.#evictOne();
    this.#compact();
  }

  clear(): void {
    this.#records = [];
    this.#pushedAt = [];
    this.#start = 0;
    this.#bytes = 0;
  }

  #evictOne(): void {
    const r = this.#records[this.#start]!;
    this.#bytes -= r.size;
    this.#records[this.#start] = undefined as unknown as StoredRecord;
    this.#start += 1;
  }

  #compact(): void {
    if (this.#start > 1024 && this.#start * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#start);
      this.#pushedAt = this.#pushedAt.slice(this.#start);
      this.#start = 0;
    }
  }
}
