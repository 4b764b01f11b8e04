/**
 * The canonical form of a record and its hash.
 *
 * Contract:
 * - `canonicalJson(v)` is the RFC 8785 (JCS) serialisation of `v`: object keys sorted by UTF-16 code
 *   units, no whitespace, numbers in ECMAScript shortest round-trip form, properties whose value is
 *   `undefined` omitted (never serialised as null). NaN and ±Infinity are not JSON and throw; so does
 *   a value with no JSON form at all (a bare `undefined`, a function).
 * - `recordHashInput(r)` is `canonicalJson` of the record with its `hash` property removed and every
 *   other own property kept, `prevHash` included. Any extra property a record carries is therefore
 *   covered by the hash: the hash covers exactly what is stored, nothing is silently ignored.
 * - `hashRecord(r)` is the lowercase hex SHA-256 of the UTF-8 bytes of `recordHashInput(r)`.
 *
 * - `canonicalRecord(r)` is `recordHashInput(r)` on a fast path for the record shapes the journal
 *   writes (an acquisition: its fixed keys in sorted order, only the channel names and `extra` keys
 *   sorted per record); any other record goes through the generic serialiser. A property test holds
 *   the fast path equal to the `canonicalize` package on random records.
 * - `recordJson(body, hash)` is the record as it is exported and sent: `{"hash":"<hex>",` followed by
 *   the canonical body without its opening brace. Removing those first 75 characters and putting the
 *   brace back gives the exact bytes that were hashed.
 *
 * Consequence for whoever stores records: a record must come back from storage exactly as it was
 * hashed. An absent optional field must stay absent (not `null`), and `-0` becomes `0` (RFC 8785),
 * which JSON cannot tell apart anyway. The journal stores the canonical bytes themselves.
 */
import { createHash, hash as cryptoHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { AcquisitionRecord, ChannelReading, JournalRecord, Verdict } from '../core/types.js';

/**
 * `canonicalize` is CommonJS (`module.exports = fn`) with an `export default` declaration; under
 * NodeNext TypeScript types the default import as the module namespace, while Node hands us the
 * function itself. Accept both shapes so neither the types nor the runtime are lied to.
 */
type Serialize = (input: unknown) => string | undefined;
const serialize: Serialize =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as unknown as Serialize)
    : (canonicalizeModule as unknown as { default: Serialize }).default;

/** RFC 8785 canonical JSON of `value`. Throws TypeError when `value` has no JSON form. */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = serialize(value);
  } catch (err) {
    // The package throws plain Errors for NaN/Infinity (and JSON.stringify for BigInt): one type.
    throw new TypeError(`value has no canonical JSON form: ${(err as Error).message}`, { cause: err });
  }
  // The package writes a bare `undefined` where a nested value has no JSON form (a function).
  // Such output is not JSON; the cheap substring test keeps the JSON.parse off the hot path.
  if (typeof out !== 'string' || (/[:,[]undefined/.test(out) && !isValidJson(out))) {
    throw new TypeError('value has no canonical JSON form (undefined, a function or a symbol)');
  }
  return out;
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A record with or without its hash: the hash, if present, is never part of the hash input. */
export type HashableRecord = DistributiveOmit<JournalRecord, 'hash'> & { hash?: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The canonical form of `record` minus its `hash` field (prevHash included). */
export function recordHashInput(record: HashableRecord): string {
  const { hash: _ignored, ...rest } = record;
  return canonicalJson(rest);
}

/** Lowercase hex SHA-256 of `recordHashInput(record)`. */
export function hashRecord(record: HashableRecord): string {
  return sha256Hex(recordHashInput(record));
}

/** The canonical form of a record without its `hash`: the bytes the journal hashes and stores. */
export function canonicalRecord(record: HashableRecord): string {
  if (record.kind === 'acquisition' && record.v === 2 && fitsFastPath(record)) return canonicalAcquisition(record);
  return recordHashInput(record);
}

/** What `recordJson` puts around the hash, before the body without its opening brace. */
const HASH_OPEN = '{"hash":"';
const HASH_CLOSE = '",';

/** The record as exported and sent: the hash first, then the canonical body. */
export function recordJson(body: string, hash: string): string {
  return `${HASH_OPEN}${hash}${HASH_CLOSE}${body.slice(1)}`;
}

/** The body as the UTF-8 bytes `writeRecordJson` copies, or as text. */
type BodyOrBytes = string | Buffer;

/** Bytes of `recordJson(body, hash)` in UTF-8. */
export function recordJsonByteLength(body: BodyOrBytes, hash: string): number {
  return HASH_OPEN.length + hash.length + HASH_CLOSE.length + (typeof body === 'string' ? Buffer.byteLength(body) : body.length) - 1;
}

/** Writes `recordJson(body, hash)` as UTF-8 into `buf` at `at` (recordJsonByteLength bytes free),
 *  without building the text; returns the offset after it. The body's opening brace lands where
 *  the comma after the hash goes, and is overwritten by it. */
export function writeRecordJson(buf: Buffer, at: number, body: BodyOrBytes, hash: string): number {
  at += buf.write(HASH_OPEN, at, 'latin1');
  at += buf.write(hash, at, 'latin1');
  buf[at] = 0x22; // "
  at += 1;
  const bodyAt = at;
  at += typeof body === 'string' ? buf.write(body, at, 'utf8') : body.copy(buf, at);
  buf[bodyAt] = 0x2c; // , in place of the body's {
  return at;
}

/** SHA-256 of a canonical body (text, or its UTF-8 bytes), raw (what the journal stores; records
 *  carry its hex). One-shot `crypto.hash` (Node ≥ 20.12) costs about half of a
 *  createHash/update/digest round. */
export const digestOf: (body: string | Buffer) => Buffer =
  typeof (cryptoHash as unknown) === 'function'
    ? (body) => cryptoHash('sha256', body, 'buffer')
    : (body) => createHash('sha256').update(body).digest();

// The fast path. Keys of each object appear in RFC 8785 order (UTF-16 code units; all ASCII here).
// `str` is what the generic serialiser does for a string; numbers use ECMAScript's shortest
// round-trip form, which is what JSON.stringify writes for every finite number (-0 gives "0").

const str = (s: string): string => {
  if (typeof s !== 'string') throw new TypeError(`a string was expected, got ${typeof s}`);
  return JSON.stringify(s);
};

/**
 * `str` for the names a gateway repeats in every record (channels, quantities, units, devices,
 * checks, results, flags): a bounded cache, so the same quoted text is not made again per value.
 * Free text (details, hashes) goes through `str`.
 */
const NAME_CACHE_MAX = 4096;
const quotedNames = new Map<string, string>();
function quotedName(s: string): string {
  let q = quotedNames.get(s);
  if (q === undefined) {
    q = str(s);
    if (quotedNames.size >= NAME_CACHE_MAX) quotedNames.clear();
    quotedNames.set(s, q);
  }
  return q;
}

/** The same quoting for what other code puts in or beside canonical bytes (the journal's short
 *  bodies): one definition of how a string is written. */
export { str as canonicalString, quotedName as canonicalName };

/** The keys of `o` in RFC 8785 order (UTF-16 code units), sorted in place: an insertion sort
 *  for the handful of channels a record has, without the work array Array#sort allocates. */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

// The keys the fast path writes, as switches: on the internalized strings a for-in yields, a
// switch is pointer comparisons, cheaper than a Set's hash lookup per key (this runs on every key
// of every record, channel and verdict).
function isRecordKey(k: string): boolean {
  switch (k) {
    case 'v': case 'seq': case 'kind': case 'gateway': case 'lab': case 'time': case 'clock': case 'device': case 'channels': case 'prevHash': case 'hash':
      return true;
    default:
      return false;
  }
}

function isChannelKey(k: string): boolean {
  switch (k) {
    case 'quantity': case 'value': case 'unit': case 'u': case 'flags': case 'extra': case 'standard': case 'verdicts': case 'verified':
      return true;
    default:
      return false;
  }
}

function isVerdictKey(k: string): boolean {
  switch (k) {
    case 'check': case 'result': case 'value': case 'detail':
      return true;
    default:
      return false;
  }
}

function onlyKeys(o: object, known: (k: string) => boolean): boolean {
  for (const k in o) if (!known(k)) return false;
  return true;
}

/** Whether the record has only the keys the fast path writes (anything else: the generic path,
 *  which covers every property, as the hash must). */
function fitsFastPath(r: HashableRecord & { kind: 'acquisition' }): boolean {
  if (!onlyKeys(r, isRecordKey) || typeof r.channels !== 'object' || r.channels === null) return false;
  for (const name in r.channels) {
    const c = r.channels[name];
    if (typeof c !== 'object' || c === null || !onlyKeys(c, isChannelKey)) return false;
    if (c.verdicts !== undefined) for (const v of c.verdicts) if (!onlyKeys(v, isVerdictKey)) return false;
  }
  return true;
}

/** `what`, or `channel <channel> <what>`: the message is built only when it is thrown (a template
 *  per value would be garbage on the hot path). */
function num(n: number, what: string, channel?: string, which?: string): string {
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new TypeError(`${channel === undefined ? '' : `channel ${channel} `}${what}${which === undefined ? '' : ` ${which}`} has no canonical JSON form: ${String(n)}`);
  return String(n);
}

function canonicalAcquisition(r: Omit<AcquisitionRecord, 'hash'>): string {
  const names = sortedKeys(r.channels);
  let channels = '';
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    const c = r.channels[key];
    if (c === undefined) continue;
    channels += `${channels.length === 0 ? '' : ','}${quotedName(key)}:${canonicalChannel(c, key)}`;
  }
  return (
    `{"channels":{${channels}},"clock":${quotedName(r.clock)},"device":${quotedName(r.device)},"gateway":${quotedName(r.gateway)}` +
    `,"kind":"acquisition","lab":${quotedName(r.lab)},"prevHash":${str(r.prevHash)},"seq":${num(r.seq, 'seq')}` +
    `,"time":${num(r.time, 'time')},"v":2}`
  );
}

function canonicalChannel(c: ChannelReading, name: string): string {
  let out = '{';
  if (c.extra !== undefined) out += `"extra":${canonicalExtra(c.extra, name)},`;
  if (c.flags !== undefined) out += `"flags":${canonicalStrings(c.flags)},`;
  out += `"quantity":${quotedName(c.quantity)},`;
  if (c.standard !== undefined) out += `"standard":${quotedName(c.standard)},`;
  if (c.u !== undefined) out += `"u":${num(c.u, 'u', name)},`;
  out += `"unit":${quotedName(c.unit)},"value":${c.value === null ? 'null' : num(c.value, 'value', name)}`;
  if (c.verdicts !== undefined) out += `,"verdicts":${canonicalVerdicts(c.verdicts, name)}`;
  if (c.verified !== undefined) out += `,"verified":${c.verified ? 'true' : 'false'}`;
  return `${out}}`;
}

function canonicalStrings(list: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) out += (i === 0 ? '' : ',') + quotedName(list[i]!);
  return `${out}]`;
}

function canonicalExtra(extra: Record<string, number | string | boolean>, name: string): string {
  let out = '';
  for (const key of sortedKeys(extra)) {
    const v = extra[key];
    if (v === undefined) continue;
    const value = typeof v === 'number' ? num(v, `extra.${key}`, name) : typeof v === 'boolean' ? String(v) : str(v);
    out += `${out.length === 0 ? '' : ','}${str(key)}:${value}`;
  }
  return `{${out}}`;
}

function canonicalVerdicts(list: readonly Verdict[], name: string): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    out += `${i === 0 ? '' : ','}{"check":${quotedName(v.check)}`;
    if (v.detail !== undefined) out += `,"detail":${str(v.detail)}`;
    out += `,"result":${quotedName(v.result)}`;
    if (v.value !== undefined) out += `,"value":${num(v.value, 'verdict', name, v.check)}`;
    out += '}';
  }
  return `${out}]`;
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
