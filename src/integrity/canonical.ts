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
 * Consequence for whoever stores records: a record must come back from storage exactly as it was
 * hashed. An absent optional field must stay absent (not `null`), and `-0` becomes `0` (RFC 8785),
 * which JSON cannot tell apart anyway. Storing the canonical string itself is the simplest way.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { JournalRecord } from '../core/types.js';

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
export type HashableRecord = Omit<JournalRecord, 'hash'> & { hash?: string };

/** The canonical form of `record` minus its `hash` field (prevHash included). */
export function recordHashInput(record: HashableRecord): string {
  const { hash: _ignored, ...rest } = record;
  return canonicalJson(rest);
}

/** Lowercase hex SHA-256 of `recordHashInput(record)`. */
export function hashRecord(record: HashableRecord): string {
  return sha256Hex(recordHashInput(record));
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
