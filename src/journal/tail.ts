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
 * - Readers that will never ask for a record again once their cursor passed it (the sinks, whose
 *   cursor only moves forward) register with `reader(cursor)` and report each move; a record every
 *   registered reader has passed leaves the tail at once instead of at `maxAgeMs`. At a steady
 *   rate that is what keeps the tail small: a record lives as long as the slowest sink's batching
 *   (about a second), not five, and is garbage before the collector would promote it, at low rates
 *   too. A closed reader no longer holds anything back; with none registered only the limits apply.
 */
import type { StoredRecord } from './stored.js';

export interface TailLimits {
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** A monotonic millisecond clock (the tail's age bound must not follow steps of the wall clock). */
const monotonicMs = (): number => performance.now();

/** A registered reader's cursor: the last seq it will never ask for again. */
export interface TailReader {
  /** The reader's cursor moved to `cursor` (it never moves back). */
  passed(cursor: number): void;
  close(): void;
}

export class RecordTail {
  readonly #limits: TailLimits;
  readonly #now: () => number;
  #records: StoredRecord[] = [];
  /** When each entry of #records was pushed (`#now()`), index for index. */
  #pushedAt: number[] = [];
  /** Index of the first live entry in #records (evicted entries before it are compacted lazily). */
  #start = 0;
  #bytes = 0;
  /** Registered readers' cursors. */
  readonly #readers = new Set<{ cursor: number }>();

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
    this.#dropPassed();
  }

  reader(cursor: number): TailReader {
    const entry = { cursor };
    this.#readers.add(entry);
    return {
      passed: (c) => {
        if (c <= entry.cursor) return;
        entry.cursor = c;
        this.#dropPassed();
      },
      close: () => {
        this.#readers.delete(entry);
      },
    };
  }

  /** Drops what every registered reader has passed (nothing while none is registered). */
  #dropPassed(): void {
    if (this.#readers.size > 0) {
      let passed = Number.POSITIVE_INFINITY;
      for (const r of this.#readers) if (r.cursor < passed) passed = r.cursor;
      while (this.size > 0 && this.#records[this.#start]!.seq <= passed) this.#evictOne();
    }
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
