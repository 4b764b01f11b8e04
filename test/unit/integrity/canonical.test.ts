import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, hashRecord, recordHashInput } from '../../../src/integrity/index.js';
import type { JournalRecord } from '../../../src/core/types.js';
import { HashChain } from '../../../src/integrity/index.js';
import { readingRecord } from './fixtures.js';

/** Rebuild an object with its keys (recursively) in the order given by `order`. */
function reorder(value: unknown, order: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, order));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of order(Object.keys(value))) out[k] = reorder((value as Record<string, unknown>)[k], order);
  return out;
}

const sample = (): JournalRecord => new HashChain().append(readingRecord(42));

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

  it('changes when an optional field appears or disappears', () => {
    const r = sample();
    const { u: _u, ...readingWithoutU } = r.reading!;
    expect(hashRecord({ ...r, reading: readingWithoutU })).not.toBe(r.hash);
    expect(hashRecord({ ...r, reading: { ...r.reading!, u: null as unknown as number } })).not.toBe(r.hash);
    expect(hashRecord({ ...r, reading: { ...r.reading!, value: null } })).not.toBe(r.hash);
  });
});
