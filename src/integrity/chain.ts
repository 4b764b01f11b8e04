/**
 * The hash chain the journal extends as it commits records.
 *
 * Contract:
 * - `head` is the hash of the last record appended ('' before the first record of a new journal;
 *   a journal that reopens passes its last committed record's hash to the constructor).
 * - `append(r)` returns a new record `{ ...r, prevHash: head, hash }` where
 *   `hash = hashRecord({ ...r, prevHash: head })`, then sets `head = hash`. The input is not mutated.
 *   It throws (and leaves `head` unchanged) when the record has no canonical form (NaN, Infinity).
 * - The chain does not assign or check `seq`; the journal owns numbering. The verifier checks it.
 *
 * Transactions: `append` moves `head` at once. If the write transaction that stores the record rolls
 * back, call `reset(lastCommittedHash)` before appending again, or the next record would chain onto
 * a record that was never stored. `prepare` + `commit` is the alternative for code that prefers
 * to move the head only after the row is committed.
 */
import type { JournalRecord } from '../core/types.js';
import { hashRecord } from './canonical.js';

export type UnhashedRecord = Omit<JournalRecord, 'prevHash' | 'hash'>;

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
    const record = this.prepare(unhashed);
    this.#head = record.hash;
    return record;
  }

  /** Chain and hash `unhashed` onto the current head without moving the head. */
  prepare(unhashed: UnhashedRecord): JournalRecord {
    const chained = { ...unhashed, prevHash: this.#head };
    // Object spread would also copy a stray `hash` from a loosely typed caller; drop it explicitly.
    delete (chained as { hash?: string }).hash;
    return { ...chained, hash: hashRecord(chained) };
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
