/**
 * The hash chain the journal extends as it commits records.
 *
 * Contract:
 * - `head` is the hash of the last record appended ('' before the first record of a new journal;
 *   a journal that reopens passes its last committed record's hash to the constructor).
 * - `append(r)` returns a new record `{ ...r, prevHash: head, hash }` where
 *   `hash = hashRecord({ ...r, prevHash: head })`, then sets `head = hash`. The input is not mutated.
 *   `link(r)` does the same and also returns the canonical bytes and the raw digest it made, so
 *   nobody serialises or hashes the record a second time.
 *   It throws (and leaves `head` unchanged) when the record has no canonical form (NaN, Infinity).
 * - The chain does not assign or check `seq`; the journal owns numbering. The verifier checks it.
 *
 * Transactions: `append` moves `head` at once. If the write transaction that stores the record rolls
 * back, call `reset(lastCommittedHash)` before appending again, or the next record would chain onto
 * a record that was never stored. `prepare` + `commit` is the alternative for code that prefers
 * to move the head only after the row is committed.
 */
import type { JournalRecord } from '../core/types.js';
import { canonicalRecord, digestOf } from './canonical.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnhashedRecord = DistributiveOmit<JournalRecord, 'prevHash' | 'hash'>;

/** A record linked into the chain, with the bytes made for it once: hashed, stored and sent. */
export interface LinkedRecord {
  record: JournalRecord;
  /** The canonical form without `hash` (what was hashed; what the journal stores). */
  body: string;
  /** SHA-256 of `body`, raw (the journal stores it so); `record.hash` is its hex. */
  digest: Buffer;
}

/** A linked record with its body's UTF-8 bytes too: the bytes that were hashed, made once. */
export interface LinkedBytes extends LinkedRecord {
  bytes: Buffer;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class HashChain {
  #head: string;

  constructor(head = '') {
    HashChain.#checkHead(head);
    this.#head = head;
  }

  /** Hash of the last appended record, '' for an empty chain. */
  get head(): string {
    return this.#head;
  }

  /** Chain and hash `unhashed` onto the current head, and make it the new head. */
  append(unhashed: UnhashedRecord): JournalRecord {
    return this.link(unhashed).record;
  }

  /** `append`, returning the bytes made on the way too. */
  link(unhashed: UnhashedRecord): LinkedRecord {
    const linked = this.prepare(unhashed);
    this.#head = linked.record.hash;
    return linked;
  }

  /**
   * `link` for a record object made for this purpose and handed over: its `prevHash` and `hash`
   * are set in place instead of on a copy (the journal's commit path: no copy per record).
   */
  linkInPlace(record: UnhashedRecord & { prevHash?: string; hash?: string }): LinkedBytes {
    record.prevHash = this.#head;
    const body = canonicalRecord(record as JournalRecord);
    const bytes = Buffer.from(body, 'utf8');
    const digest = digestOf(bytes);
    record.hash = digest.toString('hex');
    this.#head = record.hash;
    return { record: record as JournalRecord, body, digest, bytes };
  }

  /** Chain and hash `unhashed` onto the current head without moving the head. */
  prepare(unhashed: UnhashedRecord): LinkedRecord {
    const chained = { ...unhashed, prevHash: this.#head } as JournalRecord;
    // Object spread would also copy a stray `hash` from a loosely typed caller; drop it explicitly.
    delete (chained as { hash?: string }).hash;
    const body = canonicalRecord(chained);
    const digest = digestOf(body);
    chained.hash = digest.toString('hex');
    return { record: chained, body, digest };
  }

  /** Make a record returned by `prepare` the head. It must extend the current head. */
  commit(record: JournalRecord): void {
    if (record.prevHash !== this.#head) {
      throw new Error(`record seq ${record.seq} does not extend the chain head`);
    }
    this.#head = record.hash;
  }

  /** Set the head, e.g. to the last committed record's hash after a rolled-back transaction. */
  reset(head: string): void {
    HashChain.#checkHead(head);
    this.#head = head;
  }

  static #checkHead(head: string): void {
    if (head !== '' && !HEX64.test(head)) {
      throw new TypeError('a chain head is \'\' or 64 lowercase hex digits');
    }
  }
}
