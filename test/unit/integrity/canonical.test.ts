import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, hashRecord, recordHashInput } from '../../../src/integrity/index.js';
import { canonicalRecord, recordJson, sha256Hex } from '../../../src/integrity/canonical.js';
import type { AcquisitionRecord, JournalRecord, LegacyReadingRecord } from '../../../src/core/types.js';
import { HashChain } from '../../../src/integrity/index.js';
import { eventRecord, legacyReadingRecord, readingRecord, sealOf, testKey } from './fixtures.js';

/** Rebuild an object with its keys (recursively) in the order given by `order`. */
function reorder(value: unknown, order: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, order));
  if (value === null || typeof value !== 'object') return value;
  // Defined, not assigned: a "__proto__" key (JSON.parse makes one) must stay an own property.
  const out: Record<string, unknown> = {};
  for (const k of order(Object.keys(value)))
    Object.defineProperty(out, k, { value: reorder((value as Record<string, unknown>)[k], order), enumerable: true, writable: true, configurable: true });
  return out;
}

const sample = (): AcquisitionRecord => new HashChain().append(readingRecord(42)) as AcquisitionRecord;
const legacySample = (): LegacyReadingRecord => new HashChain().append(legacyReadingRecord(42)) as LegacyReadingRecord;

describe('canonicalJson', () => {
  it('follows RFC 8785: sorted keys, no whitespace, ES number form', () => {
    expect(canonicalJson({ b: 1, a: 'x', c: { z: 1e21, y: 0.1 + 0.2, x: -0, w: 1e-7 } })).toBe(
      '{"a":"x","b":1,"c":{"w":1e-7,"x":0,"y":0.30000000000000004,"z":1e+21}}',
    );
  });

  it('omits undefined properties instead of writing null, keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: 1 })).toBe('{"b":null,"c":1}');
    const withU = { ...readingRecord(1), standard: undefined };
    const withoutU = { ...readingRecord(1) };
    delete (withoutU as { standard?: string }).standard;
    expect(canonicalJson(withU)).toBe(canonicalJson(withoutU));
  });

  it('refuses values that have no JSON form', () => {
    expect(() => canonicalJson({ v: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ v: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    // a string that merely contains the word is fine
    expect(canonicalJson({ m: 'x:undefined' })).toBe('{"m":"x:undefined"}');
  });

  it('is deterministic under key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const shuffle = (keys: string[]): string[] =>
          keys
            .map((k, i) => ({ k, w: Math.sin(seed + i * 7.13) }))
            .sort((a, b) => a.w - b.w)
            .map((x) => x.k);
        expect(canonicalJson(reorder(value, shuffle))).toBe(canonicalJson(value));
        expect(canonicalJson(reorder(value, (k) => [...k].reverse()))).toBe(canonicalJson(value));
      }),
    );
  });

  it('round-trips through JSON.parse to the same canonical form', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const c = canonicalJson(value);
        expect(canonicalJson(JSON.parse(c))).toBe(c);
      }),
    );
  });
});

describe('recordHashInput / hashRecord', () => {
  it('leaves out hash, keeps prevHash', () => {
    const r = sample();
    const input = JSON.parse(recordHashInput(r)) as Record<string, unknown>;
    expect(input).not.toHaveProperty('hash');
    expect(input).toHaveProperty('prevHash', '');
    expect(hashRecord(r)).toBe(r.hash);
    expect(hashRecord({ ...r, hash: 'anything' })).toBe(r.hash);
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is independent of key order in the record and its nested objects', () => {
    const r = sample();
    expect(hashRecord(reorder(r, (k) => [...k].reverse()) as JournalRecord)).toBe(r.hash);
  });

  it('changes on any change of any field, nested ones included (property)', () => {
    const r = sample();
    // every leaf path of the record except `hash`
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
      } else if (path[0] !== 'hash') paths.push(path);
    };
    walk(r, []);
    expect(paths.length).toBeGreaterThan(15);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, replacement) => {
        const copy = structuredClone(r) as unknown as Record<string, unknown>;
        let node = copy;
        for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
        const leaf = path[path.length - 1]!;
        fc.pre(canonicalJson(node[leaf]) !== canonicalJson(replacement ?? null));
        node[leaf] = replacement;
        expect(hashRecord(copy as unknown as JournalRecord)).not.toBe(r.hash);
      }),
    );
  });

  it('changes when an optional field of a channel appears or disappears', () => {
    const r = sample();
    const dcv = r.channels.dcv!;
    const { u: _u, ...withoutU } = dcv;
    const channel = (c: object): AcquisitionRecord => ({ ...r, channels: { ...r.channels, dcv: c as typeof dcv } });
    expect(hashRecord(channel(withoutU))).not.toBe(r.hash);
    expect(hashRecord(channel({ ...dcv, u: null }))).not.toBe(r.hash);
    expect(hashRecord(channel({ ...dcv, value: null }))).not.toBe(r.hash);
    expect(hashRecord(channel({ ...dcv, flags: [] }))).not.toBe(r.hash); // empty flags are left out, not []
    const { verdicts: _v, ...withoutVerdicts } = dcv;
    expect(hashRecord(channel(withoutVerdicts))).not.toBe(r.hash);
    // a channel more, or one less
    const { temp: _t, ...onlyDcv } = r.channels;
    expect(hashRecord({ ...r, channels: onlyDcv })).not.toBe(r.hash);
    expect(hashRecord({ ...r, channels: { ...r.channels, rh: { quantity: 'humidity', value: 45, unit: '%' } } })).not.toBe(r.hash);
  });

  it('version 1 reading records: hash input unchanged, optional fields covered', () => {
    const r = legacySample();
    expect(hashRecord(r)).toBe(r.hash);
    expect(recordHashInput(r)).toBe(canonicalJson({ ...r, hash: undefined }));
    expect(JSON.parse(recordHashInput(r))).not.toHaveProperty('v'); // nothing added to an old record
    const { u: _u, ...readingWithoutU } = r.reading;
    expect(hashRecord({ ...r, reading: readingWithoutU })).not.toBe(r.hash);
    expect(hashRecord({ ...r, reading: { ...r.reading, value: null } })).not.toBe(r.hash);
    expect(hashRecord({ ...r, clock: 'yes' })).not.toBe(r.hash);
  });
});

describe('known answers: the bytes that are hashed', () => {
  it('an acquisition record (version 2)', () => {
    const r: Omit<AcquisitionRecord, 'hash'> = {
      v: 2,
      seq: 7,
      kind: 'acquisition',
      gateway: 'gw',
      lab: 'L',
      time: 1_760_000_000_500,
      clock: 'no',
      device: 'dmm-1',
      channels: {
        temp: { quantity: 'temperature', value: 23.5, unit: '°C' },
        dcv: {
          verdicts: [{ value: -0.5, result: 'pass', check: 'prediction' }, { detail: 'x', result: 'warn', check: 'drift_rate' }],
          verified: false,
          unit: 'V',
          value: 10.00000123,
          u: 1e-7,
          standard: 'S1',
          quantity: 'voltage',
          flags: ['settling', 'clock_unsynced'],
          extra: { nplc: 10, autozero: true, range: '10 V' },
        },
        Z: { quantity: 'q', value: null, unit: '' },
      },
      prevHash: 'ab'.repeat(32),
    };
    const expected =
      '{"channels":{"Z":{"quantity":"q","unit":"","value":null},' +
      '"dcv":{"extra":{"autozero":true,"nplc":10,"range":"10 V"},"flags":["settling","clock_unsynced"],"quantity":"voltage",' +
      '"standard":"S1","u":1e-7,"unit":"V","value":10.00000123,' +
      '"verdicts":[{"check":"prediction","result":"pass","value":-0.5},{"check":"drift_rate","detail":"x","result":"warn"}],"verified":false},' +
      '"temp":{"quantity":"temperature","unit":"°C","value":23.5}},' +
      `"clock":"no","device":"dmm-1","gateway":"gw","kind":"acquisition","lab":"L","prevHash":"${'ab'.repeat(32)}",` +
      '"seq":7,"time":1760000000500,"v":2}';
    expect(canonicalRecord(r)).toBe(expected);
    expect(recordHashInput(r)).toBe(expected);
    expect(hashRecord(r)).toBe(sha256Hex(expected));
  });

  it('a version 1 reading record', () => {
    const r: Omit<LegacyReadingRecord, 'hash'> = {
      seq: 3,
      kind: 'reading',
      gateway: 'gw',
      lab: 'L',
      time: 1_700_000_000_000,
      reading: { device: 'd', channel: 'c', quantity: 'voltage', value: 1.5, unit: 'V', time: 1_700_000_000_000, flags: [] },
      standard: 'S1',
      verified: true,
      prevHash: '',
    };
    const expected =
      '{"gateway":"gw","kind":"reading","lab":"L","prevHash":"",' +
      '"reading":{"channel":"c","device":"d","flags":[],"quantity":"voltage","time":1700000000000,"unit":"V","value":1.5},' +
      '"seq":3,"standard":"S1","time":1700000000000,"verified":true}';
    expect(canonicalRecord(r)).toBe(expected);
    expect(hashRecord(r)).toBe(sha256Hex(expected));
  });
});

describe('canonicalRecord / recordJson', () => {
  it('canonicalRecord is the hash input for every kind the journal writes, and for version 1 readings', () => {
    const key = testKey();
    const chain = new HashChain();
    const records: JournalRecord[] = [chain.append(readingRecord(1)), chain.append(eventRecord(2)), chain.append(legacyReadingRecord(3))];
    records.push(chain.append(sealOf(4, records[2]!, key)));
    for (const r of records) {
      expect(canonicalRecord(r)).toBe(recordHashInput(r));
      expect(sha256Hex(canonicalRecord(r))).toBe(r.hash);
    }
  });

  it('recordJson puts the hash first; the rest is the hashed body', () => {
    const r = sample();
    const body = canonicalRecord(r);
    const json = recordJson(body, r.hash);
    expect(json.startsWith(`{"hash":"${r.hash}",`)).toBe(true);
    expect(`{${json.slice(75)}`).toBe(body);
    expect(JSON.parse(json)).toEqual(r);
    expect(canonicalJson(JSON.parse(json))).toBe(canonicalJson(r));
  });
});
