import { describe, it, expect } from 'vitest';
import { HashChain, hashRecord, type UnhashedRecord } from '../../../src/integrity/index.js';
import { canonicalRecord, recordJson, sha256Hex } from '../../../src/integrity/canonical.js';
import { legacyReadingRecord, readingRecord, setValue } from './fixtures.js';

describe('HashChain', () => {
  it('links each record to the previous hash and moves the head', () => {
    const chain = new HashChain();
    expect(chain.head).toBe('');
    const a = chain.append(readingRecord(1));
    expect(a.prevHash).toBe('');
    expect(a.hash).toBe(hashRecord(a));
    expect(chain.head).toBe(a.hash);
    const b = chain.append(readingRecord(2));
    expect(b.prevHash).toBe(a.hash);
    expect(chain.head).toBe(b.hash);
  });

  it('chains version 1 reading records and version 2 acquisitions alike (a migrated journal goes on)', () => {
    const chain = new HashChain();
    const old = chain.append(legacyReadingRecord(1));
    expect(old).not.toHaveProperty('v');
    expect(old.hash).toBe(hashRecord(old));
    const next = chain.append(readingRecord(2));
    expect(next.prevHash).toBe(old.hash);
    expect(next.hash).toBe(hashRecord(next));
  });

  it('link returns the record with the canonical body and raw digest it hashed', () => {
    const chain = new HashChain();
    chain.append(readingRecord(1));
    for (const input of [readingRecord(2), legacyReadingRecord(3)]) {
      const head = chain.head;
      const { record, body, digest } = chain.link(input);
      expect(record.prevHash).toBe(head);
      expect(chain.head).toBe(record.hash);
      expect(body).toBe(canonicalRecord(record));
      expect(digest).toHaveLength(32);
      expect(digest.toString('hex')).toBe(record.hash);
      expect(sha256Hex(body)).toBe(record.hash);
      expect(hashRecord(record)).toBe(record.hash);
      expect(JSON.parse(recordJson(body, record.hash))).toEqual(record);
    }
  });

  it('resumes from a stored head and does not mutate its input', () => {
    const first = new HashChain().append(readingRecord(1));
    const resumed = new HashChain(first.hash);
    const input = readingRecord(2);
    const frozen = structuredClone(input);
    const b = resumed.append(input);
    expect(input).toEqual(frozen);
    expect(b.prevHash).toBe(first.hash);
  });

  it('ignores a stray hash on the input', () => {
    const chain = new HashChain();
    const r = chain.append({ ...readingRecord(1), hash: 'f'.repeat(64) } as unknown as UnhashedRecord);
    expect(r.hash).toBe(hashRecord(r));
    expect(r.hash).not.toBe('f'.repeat(64));
  });

  it('prepare does not move the head; commit and reset do', () => {
    const chain = new HashChain();
    const p = chain.prepare(readingRecord(1)).record;
    expect(chain.head).toBe('');
    chain.commit(p);
    expect(chain.head).toBe(p.hash);
    expect(() => chain.commit(chain.prepare(readingRecord(2)) && p)).toThrow(/does not extend/);
    chain.reset('');
    expect(chain.head).toBe('');
  });

  it('refuses a malformed head and leaves the head unchanged when a record cannot be hashed', () => {
    expect(() => new HashChain('abc')).toThrow(TypeError);
    const chain = new HashChain();
    const ok = chain.append(readingRecord(1));
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const input of [readingRecord(2), legacyReadingRecord(2)]) {
        setValue(input, bad);
        expect(() => chain.append(input)).toThrow(TypeError);
        expect(chain.head).toBe(ok.hash);
      }
    }
    const badU = readingRecord(2);
    if (badU.kind === 'acquisition') badU.channels.dcv!.u = Number.NaN;
    expect(() => chain.append(badU)).toThrow(TypeError);
    expect(chain.head).toBe(ok.hash);
  });

  it('measures append throughput for a typical acquisition record', () => {
    const chain = new HashChain();
    const inputs = Array.from({ length: 20_000 }, (_, i) => readingRecord(i + 1));
    for (let i = 0; i < 2_000; i++) chain.append(inputs[i]!); // warm-up
    const t0 = process.hrtime.bigint();
    for (const r of inputs) chain.append(r);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const perSecond = Math.round(inputs.length / seconds);
    const bytes = JSON.stringify(chain.append(readingRecord(0))).length;
    const us = (1e6 / perSecond).toFixed(1);
    console.log(`HashChain.append: ${perSecond} records/s (${us} µs/record, record ≈ ${bytes} B JSON)`);
    expect(perSecond).toBeGreaterThan(0);
  });
});
