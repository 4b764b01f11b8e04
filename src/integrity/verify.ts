/**
 * The verifier: does a sequence of journal records (a full or partial export, or what the platform
 * received over MQTT, sorted) form an intact, sealed hash chain? Usable as a library by the platform.
 *
 * Contract — per record, in this order, the first failure wins and is reported by seq:
 *  1. shape: the fields a JournalRecord needs, with the right types;
 *  2. one gateway: every record names the gateway of the first;
 *  3. sequence: consecutive records differ by exactly 1 (the first may start anywhere, or right
 *     after `after.seq` when given). A gap is reported at the first missing seq; a duplicate or a
 *     step backwards at the offending seq;
 *  4. hash: `hash` equals hashRecord(record) (canonical.ts);
 *  5. link: `prevHash` equals the previous record's hash. Not checked for the first record of a
 *     partial export, unless `after.hash` is given;
 *  6. seals (kind 'seal'): well-formed, keyId among the trusted keys, Ed25519 signature valid, and the
 *     head it names is strictly before it and in the export (or is the export's anchor: the record
 *     just before the first, whose hash the first record's prevHash states) with that exact hash.
 * At the end: an empty export fails, and so does any non-seal record after the highest sealed head:
 * "truncated tail or unsealed records after seq N". An export must end with a seal to verify.
 *
 * What a verifier cannot know on its own: records cut off the front of an export look like a partial
 * export, and a tail cut right after a seal looks like a shorter export. Pass `after` (the last record
 * verified before, or `{ seq: first - 1, hash: '' }` for a journal's genesis) and compare `lastSeq`
 * against what the gateway reported to catch those.
 *
 * Memory: 32 bytes per record (the hashes, kept so a seal may name any earlier record).
 */
import type { KeyObject } from 'node:crypto';
import type { JournalRecord } from '../core/types.js';
import { hashRecord } from './canonical.js';
import { keyIdOf, readSeal, verifySeal } from './seal.js';

export type TrustedKeys = ReadonlyMap<string, KeyObject> | readonly KeyObject[];

export interface VerifyOptions {
  /** Public keys whose seals are trusted: by keyId, or a list (ids are computed). */
  publicKeys: TrustedKeys;
  /** The record just before this export, already trusted: the first record must follow it. */
  after?: { seq: number; hash: string };
}

export interface VerifyOk {
  ok: true;
  /** Number of records, seals included. */
  records: number;
  seals: number;
  firstSeq: number;
  lastSeq: number;
  /** The highest seq covered by a valid seal. */
  sealedSeq: number;
  /** The keys that made the seals, sorted. */
  keyIds: string[];
}

export interface VerifyFailure {
  ok: false;
  /** The seq at which verification failed; null when no record is to blame (an empty export). */
  seq: number | null;
  /** Human reason; it does not repeat the seq, so print both: `seq ${seq}: ${reason}`. */
  reason: string;
}

export type VerifyResult = VerifyOk | VerifyFailure;

/** Record kinds: version 2 writes acquisitions, events and seals; version 1 wrote readings. */
const KINDS = new Set(['acquisition', 'reading', 'event', 'seal']);
const HASH_CHUNK = 65_536; // records per chunk of the hash store

/** Incremental verifier: `push` records in order, then `finish`. */
export class ChainVerifier {
  readonly #keys: Map<string, KeyObject>;
  readonly #after: { seq: number; hash: string } | undefined;
  #failure: VerifyFailure | undefined;
  #first: JournalRecord | undefined;
  #prev: JournalRecord | undefined;
  #count = 0;
  #seals = 0;
  #sealedSeq = -Infinity;
  #keyIdsUsed = new Set<string>();
  /** Hash of each record by (seq - firstSeq), 32 raw bytes each. */
  readonly #hashes: Buffer[] = [];
  /** Set per record: 1 when it is a seal (seals need no seal of their own). */
  readonly #isSeal: Uint8Array[] = [];

  constructor(options: VerifyOptions) {
    this.#keys = trustedKeyMap(options.publicKeys);
    this.#after = options.after;
  }

  /** Check one record; returns the failure (the same one for every later push) or undefined. */
  push(input: unknown): VerifyFailure | undefined {
    if (this.#failure) return this.#failure;
    const failure = this.#check(input);
    if (failure) this.#failure = failure;
    return failure;
  }

  /** The verdict on everything pushed. */
  finish(): VerifyResult {
    if (this.#failure) return this.#failure;
    const first = this.#first;
    const last = this.#prev;
    if (!first || !last) return { ok: false, seq: null, reason: 'the export holds no records' };
    const unsealed = this.#firstUnsealed(last.seq);
    if (unsealed !== undefined) {
      const count = this.#countUnsealed(unsealed, last.seq);
      const span = count === 1 ? `seq ${unsealed}` : `seq ${unsealed} to ${last.seq}`;
      const uncovered = `${count} record(s) (${span}) are not covered by any seal`;
      const reason =
        this.#seals === 0
          ? `no seal in the export: ${uncovered}`
          : `truncated tail or unsealed records after seq ${unsealed - 1}: ${uncovered}`;
      return { ok: false, seq: unsealed, reason };
    }
    return {
      ok: true,
      records: this.#count,
      seals: this.#seals,
      firstSeq: first.seq,
      lastSeq: last.seq,
      sealedSeq: this.#sealedSeq,
      keyIds: [...this.#keyIdsUsed].sort(),
    };
  }

  #check(input: unknown): VerifyFailure | undefined {
    const shapeError = shapeProblem(input);
    if (shapeError) {
      const seq = isObject(input) && Number.isSafeInteger(input.seq) ? (input.seq as number) : null;
      const blamed = seq ?? (this.#prev ? this.#prev.seq + 1 : null);
      return { ok: false, seq: blamed, reason: `malformed record: ${shapeError}` };
    }
    const r = input as JournalRecord;
    const prev = this.#prev;
    const first = this.#first ?? r;

    if (r.gateway !== first.gateway) {
      return fail(r.seq, `record of gateway "${r.gateway}" in an export of gateway "${first.gateway}"`);
    }

    const expected = prev ? prev.seq + 1 : this.#after ? this.#after.seq + 1 : r.seq;
    if (r.seq > expected) {
      const where = prev ? `after seq ${prev.seq}` : 'at the start of the export';
      return fail(expected, `record missing (found seq ${r.seq} ${where}): records deleted or reordered`);
    }
    if (r.seq < expected) {
      const what = prev && r.seq === prev.seq ? 'duplicate record' : `record out of order (expected seq ${expected})`;
      return fail(r.seq, `${what}: records inserted, duplicated or reordered`);
    }

    let hash: string;
    try {
      hash = hashRecord(r);
    } catch (err) {
      return fail(r.seq, `record has no canonical form: ${(err as Error).message}`);
    }
    if (hash !== r.hash) return fail(r.seq, 'record hash does not match its content: the record was altered');

    const expectedPrev = prev ? prev.hash : this.#after?.hash;
    if (expectedPrev !== undefined && r.prevHash !== expectedPrev) {
      const of = prev ? `seq ${prev.seq}` : `the anchor seq ${this.#after?.seq}`;
      return fail(r.seq, `prevHash does not match the hash of ${of}: the chain is broken here`);
    }

    if (!this.#first) this.#first = r;
    this.#store(r, hash);

    if (r.kind === 'seal') {
      const sealFailure = this.#checkSeal(r);
      if (sealFailure) return sealFailure;
    }
    this.#prev = r;
    this.#count++;
    return undefined;
  }

  #checkSeal(r: JournalRecord): VerifyFailure | undefined {
    const seal = readSeal(r);
    if ('error' in seal) return fail(r.seq, `malformed seal: ${seal.error}`);
    const key = this.#keys.get(seal.keyId);
    if (!key) return fail(r.seq, `seal is signed by unknown key ${seal.keyId}`);
    if (!verifySeal(r.gateway, seal, key)) {
      return fail(r.seq, `seal signature does not verify with key ${seal.keyId}: the seal was altered or forged`);
    }
    if (seal.headSeq >= r.seq) return fail(r.seq, `seal names seq ${seal.headSeq}, which is not before the seal`);
    const headHash = this.#hashOf(seal.headSeq);
    if (headHash === undefined) {
      return fail(r.seq, `seal names seq ${seal.headSeq}, which is not in this export`);
    }
    if (headHash !== seal.headHash) {
      const h = seal.headSeq;
      return fail(r.seq, `seal names seq ${h} with a different hash: records up to seq ${h} were altered`);
    }
    this.#seals++;
    this.#keyIdsUsed.add(seal.keyId);
    if (seal.headSeq > this.#sealedSeq) this.#sealedSeq = seal.headSeq;
    return undefined;
  }

  #store(r: JournalRecord, hash: string): void {
    const index = this.#count;
    const chunk = Math.floor(index / HASH_CHUNK);
    if (chunk === this.#hashes.length) {
      this.#hashes.push(Buffer.alloc(HASH_CHUNK * 32));
      this.#isSeal.push(new Uint8Array(HASH_CHUNK));
    }
    const offset = index % HASH_CHUNK;
    this.#hashes[chunk]!.write(hash, offset * 32, 32, 'hex');
    this.#isSeal[chunk]![offset] = r.kind === 'seal' ? 1 : 0;
  }

  /** Hash of the record at `seq` in the export (the anchor, just before the first, included). */
  #hashOf(seq: number): string | undefined {
    const first = this.#first;
    if (!first) return undefined;
    if (seq === first.seq - 1) return first.prevHash === '' && !this.#after ? undefined : first.prevHash;
    const index = seq - first.seq;
    if (index < 0 || index > this.#count) return undefined; // #count: the seal itself is not yet counted
    const chunk = this.#hashes[Math.floor(index / HASH_CHUNK)]!;
    const offset = (index % HASH_CHUNK) * 32;
    return chunk.toString('hex', offset, offset + 32);
  }

  #isSealAt(seq: number): boolean {
    const index = seq - (this.#first?.seq ?? 0);
    return this.#isSeal[Math.floor(index / HASH_CHUNK)]![index % HASH_CHUNK] === 1;
  }

  /** The first non-seal seq after the highest sealed head, if any. */
  #firstUnsealed(lastSeq: number): number | undefined {
    const from = Math.max(this.#sealedSeq + 1, this.#first?.seq ?? 0);
    for (let seq = from; seq <= lastSeq; seq++) if (!this.#isSealAt(seq)) return seq;
    return undefined;
  }

  #countUnsealed(from: number, lastSeq: number): number {
    let n = 0;
    for (let seq = from; seq <= lastSeq; seq++) if (!this.#isSealAt(seq)) n++;
    return n;
  }
}

/**
 * Verify records (any iterable; async iterables give a Promise). See the contract at the top.
 * Iterator errors (e.g. an unreadable file) are not caught: they are not verdicts on the data.
 */
export function verifyRecords(records: Iterable<unknown>, options: VerifyOptions): VerifyResult;
export function verifyRecords(records: AsyncIterable<unknown>, options: VerifyOptions): Promise<VerifyResult>;
export function verifyRecords(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: VerifyOptions,
): VerifyResult | Promise<VerifyResult> {
  const verifier = new ChainVerifier(options);
  if (Symbol.asyncIterator in records) {
    return (async () => {
      for await (const r of records) if (verifier.push(r)) break;
      return verifier.finish();
    })();
  }
  for (const r of records) if (verifier.push(r)) break;
  return verifier.finish();
}

/** Trusted keys by keyId. A Map whose key disagrees with the key's own id is a configuration error. */
export function trustedKeyMap(keys: TrustedKeys): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  const entries: Iterable<[string | undefined, KeyObject]> = Array.isArray(keys)
    ? (keys as readonly KeyObject[]).map((k): [undefined, KeyObject] => [undefined, k])
    : (keys as ReadonlyMap<string, KeyObject>).entries();
  for (const [given, key] of entries) {
    const id = keyIdOf(key);
    if (given !== undefined && given !== id) throw new TypeError(`trusted key listed as ${given} has keyId ${id}`);
    map.set(id, key);
  }
  return map;
}

function fail(seq: number, reason: string): VerifyFailure {
  return { ok: false, seq, reason };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `v` is not shaped like a JournalRecord, or undefined when it is. */
function shapeProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a JSON object';
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) return 'seq is not a non-negative integer';
  if (typeof v.kind !== 'string' || !KINDS.has(v.kind)) return 'kind is not acquisition, event or seal (or a version 1 reading)';
  if (v.v !== undefined && v.v !== 2) return `format version ${String(v.v)} is not one this verifier knows (1 or 2)`;
  if (typeof v.gateway !== 'string') return 'gateway is not a string';
  if (typeof v.lab !== 'string') return 'lab is not a string';
  if (typeof v.time !== 'number' || !Number.isFinite(v.time)) return 'time is not a number';
  if (typeof v.prevHash !== 'string') return 'prevHash is not a string';
  if (typeof v.hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.hash)) return 'hash is not a SHA-256 hex digest';
  if (v.kind === 'reading' && !isObject(v.reading)) return 'a reading record without a reading';
  if (v.kind === 'acquisition' && (typeof v.device !== 'string' || !isObject(v.channels))) return 'an acquisition without a device or channels';
  if ((v.kind === 'event' || v.kind === 'seal') && !isObject(v.event)) {
    return `a record of kind ${v.kind} without an event`;
  }
  return undefined;
}
