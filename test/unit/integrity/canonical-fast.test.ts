/**
 * The fast path of the canonical form (`canonicalRecord` on `kind: 'acquisition', v: 2` records)
 * against the reference: the `canonicalize` package (RFC 8785), on random acquisition records whose
 * strings and numbers sit where serialisers go wrong: key order by UTF-16 code units ("10" < "9",
 * "Z" < "a" < "é" < astral), escapes (quotes, backslashes, control characters, lone surrogates),
 * number forms (-0, 1e21, 1e-7, the extremes), optional fields absent, present, or `undefined`.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import { QUALITY_FLAGS, type AcquisitionRecord, type ChannelReading, type Verdict } from '../../../src/core/types.js';
import { canonicalRecord, hashRecord } from '../../../src/integrity/canonical.js';

/** `canonicalize` is CommonJS: Node hands over the function, NodeNext types a namespace (see canonical.ts). */
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as unknown as Serialize)
    : (canonicalizeModule as unknown as { default: Serialize }).default;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The reference: RFC 8785 of the record without its hash. */
function reference(record: Record<string, unknown>): string {
  const { hash: _hash, ...rest } = record;
  const out = canonicalize(rest);
  if (out === undefined) throw new Error('canonicalize returned undefined');
  return out;
}

// Strings: awkward single units joined, and arbitrary code points (surrogate pairs included).
const awkward = fc.constantFrom(
  'Z', 'a', 'é', 'É', '10', '9', '1', '', ' ', '"', '\\', '/', '\u0000', '\u0001', '\b', '\t', '\n', '\f', '\r', '\u001f',
  '\u007f', '\u0080', '\u00ff', '\u2028', '\u2029', '\ufeff', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', '\u{10ffff}',
  '°C', 'Ω', 'µ', 'ﬀ', '__proto__', 'toJSON', 'constructor', 'hash', 'value',
);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  { arbitrary: fc.string({ unit: fc.oneof(awkward, loneSurrogate, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 },
  { arbitrary: awkward, weight: 2 },
);

// Numbers at their edges, and anywhere.
const edgeNumber = fc.constantFrom(
  0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, -1e21, 1e20, 999999999999999900000,
  1e-7, -1e-7, 1e-6, 123456789012345680000, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), -(2 ** 53) + 1, Number.EPSILON,
  0.1, 0.1 + 0.2, 1 / 3, 10.000_012_3, 5e-324, 1.7976931348623157e308, 4.35, 0.000001, 1e300,
);
const finite = fc.oneof(
  { arbitrary: edgeNumber, weight: 2 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.maxSafeInteger(), weight: 1 },
  { arbitrary: fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8), weight: 1 },
);
const nonFinite = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);

/** An optional field: absent, present as `undefined` (which no JSON form shows), or a value. */
const ABSENT = Symbol('absent');
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined | typeof ABSENT> =>
  fc.oneof({ arbitrary: fc.constant(ABSENT), weight: 3 }, { arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: arb, weight: 4 });

/** An object from [key, value] pairs, optional values left out when ABSENT, keys in the order given. */
function object(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== ABSENT) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Unique keys (a JSON object cannot hold one twice), each with a value. */
const entriesOf = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxLength: number) =>
  fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength });

const verdict: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    check: fc.oneof(fc.constantFrom('prediction', 'drift_rate', 'step', 'environment', 'settling'), text),
    result: fc.constantFrom<Verdict['result']>('pass', 'warn', 'fail', 'info'),
    value: optional(finite),
    detail: optional(text),
  })
  .chain((v) => fc.shuffledSubarray(Object.keys(v), { minLength: 4, maxLength: 4 }).map((order) => object(order.map((k) => [k, v[k as keyof typeof v]]))));

const channel: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    quantity: fc.oneof(fc.constantFrom('voltage', 'temperature', 'humidity', 'pressure', 'resistance'), text),
    value: fc.oneof({ arbitrary: finite, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 }),
    unit: fc.oneof(fc.constantFrom('V', '°C', '%', 'hPa', 'Ω', ''), text),
    u: optional(finite),
    flags: optional(fc.array(fc.oneof({ arbitrary: fc.constantFrom(...QUALITY_FLAGS), weight: 4 }, { arbitrary: text, weight: 1 }), { maxLength: 4 })),
    extra: optional(entriesOf(text, fc.oneof(finite, text, fc.boolean()), 5).map(object)),
    standard: optional(text),
    verdicts: optional(fc.array(verdict, { maxLength: 3 })),
    verified: optional(fc.boolean()),
  })
  .chain((c) => fc.shuffledSubarray(Object.keys(c), { minLength: 9, maxLength: 9 }).map((order) => object(order.map((k) => [k, c[k as keyof typeof c]]))));

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

const acquisition: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    v: fc.constant(2),
    seq: fc.oneof(fc.nat(), fc.maxSafeInteger().map(Math.abs)),
    kind: fc.constant('acquisition'),
    gateway: fc.oneof(fc.constant('gw-ptb-01'), text),
    lab: fc.oneof(fc.constant('PTB'), text),
    time: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), finite),
    clock: fc.constantFrom('yes', 'no', 'unknown'),
    device: fc.oneof(fc.constant('dmm-1'), text),
    channels: entriesOf(fc.oneof(awkward, text), channel, 6).map(object),
    prevHash: fc.oneof(fc.constant(''), hex64),
    hash: optional(hex64),
  })
  .chain((r) => fc.shuffledSubarray(Object.keys(r), { minLength: 11, maxLength: 11 }).map((order) => object(order.map((k) => [k, r[k as keyof typeof r]]))));

const asRecord = (r: Record<string, unknown>): AcquisitionRecord => r as unknown as AcquisitionRecord;

describe('canonicalRecord (the fast path for acquisitions) is RFC 8785 as the canonicalize package writes it', () => {
  it('sends a record with a key the fast path does not write to the generic path, so the hash still covers it', () => {
    const channels = { dcv: { quantity: 'voltage', value: 1, unit: 'V', time: 5 } };
    const r = { v: 2, seq: 1, kind: 'acquisition', gateway: 'g', lab: 'l', time: 1, clock: 'yes', device: 'd', channels, prevHash: '' };
    expect(canonicalRecord(asRecord(r))).toContain('"dcv":{"quantity":"voltage","time":5,"unit":"V","value":1}');
    const stray = { ...r, channels: { dcv: { quantity: 'voltage', value: 1, unit: 'V' } }, standard: 's' };
    expect(canonicalRecord(asRecord(stray))).toBe(reference(stray));
    expect(canonicalRecord(asRecord(stray))).toContain('"standard":"s"');
    const verdicts = [{ check: 'step', result: 'pass', note: 'n' }];
    const strayVerdict = { ...r, channels: { dcv: { quantity: 'voltage', value: 1, unit: 'V', standard: 's', verdicts } } };
    expect(canonicalRecord(asRecord(strayVerdict))).toBe(reference(strayVerdict));
    expect(canonicalRecord(asRecord(strayVerdict))).toContain('"note":"n"');
  });

  it('refuses a missing clock or device on the fast path instead of writing `undefined`', () => {
    const r = { v: 2, seq: 1, kind: 'acquisition', gateway: 'g', lab: 'l', time: 1, device: 'd', channels: {}, prevHash: '' };
    expect(() => canonicalRecord(asRecord(r))).toThrow(TypeError);
  });

  it('equals canonicalize(record without hash) on random acquisitions, and hashRecord is its SHA-256 (property)', () => {
    fc.assert(
      fc.property(acquisition, (r) => {
        const expected = reference(r);
        const fast = canonicalRecord(asRecord(r));
        expect(fast).toBe(expected);
        expect(hashRecord(asRecord(r))).toBe(sha256(fast));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders keys by UTF-16 code units, whatever order they were inserted in', () => {
    const names = ['é', 'a', 'Z', '10', '9', '\ud83d\ude00', '\uffff', '', 'A', 'aa', '__proto__'];
    const channels = object(names.map((n, i) => [n, { quantity: 'q', value: i, unit: 'u' }]));
    const r = { v: 2, seq: 1, kind: 'acquisition', gateway: 'g', lab: 'l', time: 1, clock: 'yes', device: 'd', channels, prevHash: '' };
    const fast = canonicalRecord(asRecord(r));
    expect(fast).toBe(reference(r));
    const order = [...fast.matchAll(/"((?:[^"\\]|\\.)*)":\{"quantity"/g)].map((m) => JSON.parse(`"${m[1]!}"`) as string);
    expect(order).toEqual(['', '10', '9', 'A', 'Z', '__proto__', 'a', 'aa', 'é', '\ud83d\ude00', '\uffff']);
  });

  it('throws a TypeError for NaN and ±Infinity anywhere a number goes, as the generic path does (property)', () => {
    type Place = 'value' | 'u' | 'verdict' | 'extra' | 'time' | 'seq';
    const place = fc.constantFrom<Place>('value', 'u', 'verdict', 'extra', 'time', 'seq');
    fc.assert(
      fc.property(acquisition, place, nonFinite, text, (r, where, bad, name) => {
        const record = structuredClone(r);
        const channels = record.channels as Record<string, ChannelReading>;
        const target: ChannelReading = { quantity: 'voltage', value: 1, unit: 'V' };
        if (where === 'value') target.value = bad;
        if (where === 'u') target.u = bad;
        if (where === 'verdict') target.verdicts = [{ check: 'prediction', result: 'pass', value: bad }];
        if (where === 'extra') target.extra = { [name]: bad };
        if (where === 'time') record.time = bad;
        if (where === 'seq') record.seq = bad;
        Object.defineProperty(channels, name, { value: target, enumerable: true, writable: true, configurable: true });
        expect(() => canonicalize(record)).toThrow(); // the reference refuses too
        expect(() => canonicalRecord(asRecord(record))).toThrow(TypeError);
        expect(() => hashRecord(asRecord(record))).toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
  });
});
