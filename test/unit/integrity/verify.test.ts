import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { JournalRecord } from '../../../src/core/types.js';
import {
  HashChain,
  hashRecord,
  readSeal,
  signHead,
  trustedKeyMap,
  verifyRecords,
  type VerifyOptions,
  type VerifyResult,
} from '../../../src/integrity/index.js';
import {
  GATEWAY,
  buildExport,
  clone,
  readingRecord,
  rechain,
  sealIndices,
  sealOf,
  testKey,
  type TestKey,
} from './fixtures.js';

const trusted = testKey();
const attacker = testKey();
/** Every export here starts at the journal's genesis (seq 1, prevHash ''), and we say so. */
const opts: VerifyOptions = { publicKeys: [trusted.publicKey], after: { seq: 0, hash: '' } };

const exportArb = fc.record({ n: fc.integer({ min: 50, max: 200 }), sealEvery: fc.integer({ min: 3, max: 25 }) });
const build = (p: { n: number; sealEvery: number }): JournalRecord[] => buildExport({ ...p, key: trusted });
const pick = (records: readonly JournalRecord[], r: number, pred: (x: JournalRecord) => boolean = () => true): number => {
  const candidates = records.flatMap((x, i) => (pred(x) ? [i] : []));
  return candidates[r % candidates.length]!;
};

/** A reading that differs from the fixture's reading at the same seq. */
function forgedReading(seq: number): ReturnType<typeof readingRecord> {
  const r = readingRecord(seq);
  r.reading!.value = 9.999_999;
  return r;
}

function expectFailure(result: VerifyResult, seq: number, reason?: RegExp): void {
  expect(result).toMatchObject({ ok: false, seq });
  if (reason && !result.ok) expect(result.reason).toMatch(reason);
}

/** The seq the verifier must blame when a (structurally intact) export lacks a final seal. */
function firstUnsealedSeq(records: readonly JournalRecord[]): number {
  const seals = sealIndices(records);
  const lastSeal = seals.length ? records[seals[seals.length - 1]!]! : undefined;
  const sealed = lastSeal ? (lastSeal.event!.data!.headSeq as number) : -1;
  return records.find((r) => r.kind !== 'seal' && r.seq > sealed)!.seq;
}

/** Re-seal every seal from index `from` on with `key` (keeping the trusted keyId when asked), re-hashing the chain. */
function forge(records: JournalRecord[], from: number, key: TestKey, claimKeyId?: string): JournalRecord[] {
  for (let i = Math.max(from, 0); i < records.length; i++) {
    const r = records[i]!;
    if (i > 0) r.prevHash = records[i - 1]!.hash;
    if (r.kind === 'seal') {
      const head = records[i - 1]!;
      const named = { gateway: GATEWAY, headSeq: head.seq, headHash: head.hash };
      const data = signHead(named, key.privateKey, claimKeyId ?? key.keyId);
      r.event = { ...r.event!, data: { ...data } };
    }
    r.hash = hashRecord(r);
  }
  return records;
}

describe('verifyRecords: unedited exports', () => {
  it('a sealed export verifies, with counts', () => {
    const records = build({ n: 100, sealEvery: 10 });
    const result = verifyRecords(records, opts);
    expect(result).toEqual({
      ok: true,
      records: 110,
      seals: 10,
      firstSeq: 1,
      lastSeq: 110,
      sealedSeq: 109,
      keyIds: [trusted.keyId],
    });
  });

  it('any valid export verifies (property), and any suffix of it as a partial export', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, cut) => {
        const records = build(p);
        expect(verifyRecords(records, opts).ok).toBe(true);
        const suffix = records.slice(cut % records.length);
        expect(verifyRecords(suffix, { publicKeys: opts.publicKeys })).toMatchObject({ ok: true, lastSeq: records.length });
      }),
      { numRuns: 40 },
    );
  });

  it('accepts async iterables and a keyId map', async () => {
    const records = build({ n: 60, sealEvery: 7 });
    async function* gen(): AsyncGenerator<JournalRecord> {
      yield* records;
    }
    const result = await verifyRecords(gen(), { publicKeys: new Map([[trusted.keyId, trusted.publicKey]]) });
    expect(result.ok).toBe(true);
  });

  it('accepts several trusted keys (key rotation)', () => {
    const first = build({ n: 30, sealEvery: 10 });
    const chain = new HashChain(first[first.length - 1]!.hash);
    let seq = first.length + 1;
    const more = [chain.append(readingRecord(seq++))];
    more.push(chain.append(sealOf(seq++, more[0]!, attacker)));
    const all = [...first, ...more];
    expect(verifyRecords(all, opts)).toMatchObject({ ok: false, seq: seq - 1 });
    expect(verifyRecords(all, { ...opts, publicKeys: [trusted.publicKey, attacker.publicKey] })).toMatchObject({
      ok: true,
      keyIds: [trusted.keyId, attacker.keyId].sort(),
    });
  });
});

describe('verifyRecords: every single edit is detected (properties)', () => {
  it('a changed value is reported at the changed record', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true }), (p, r, v) => {
        const records = clone(build(p));
        const i = pick(records, r, (x) => x.kind === 'reading');
        fc.pre(records[i]!.reading!.value !== v && !Object.is(v, -0));
        records[i]!.reading!.value = v;
        expectFailure(verifyRecords(records, opts), records[i]!.seq, /hash does not match/);
      }),
    );
  });

  it('any changed field of any record (seals included) is reported at that record', () => {
    const fields = fc.constantFrom('time', 'lab', 'gateway', 'kind', 'prevHash', 'standard');
    fc.assert(
      fc.property(exportArb, fc.nat(), fields, (p, r, field) => {
        const records = clone(build(p));
        const i = pick(records, r);
        const rec = records[i] as unknown as Record<string, unknown>;
        const otherKind = rec.kind === 'event' ? 'reading' : 'event';
        rec[field] = field === 'time' ? (rec.time as number) + 1 : field === 'kind' ? otherKind : 'x';
        expectFailure(verifyRecords(records, opts), records[i]!.seq);
      }),
    );
  });

  it('a changed value with the chain re-hashed (no key) is reported at the next seal', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const records = clone(build(p));
        const i = pick(records, r, (x) => x.kind === 'reading');
        records[i]!.reading!.value = (records[i]!.reading!.value ?? 0) + 1e-6;
        rechain(records, i);
        const nextSeal = records.find((x, j) => j > i && x.kind === 'seal')!;
        expectFailure(verifyRecords(records, opts), nextSeal.seq, /different hash/);
      }),
    );
  });

  it('a deleted record is reported at its seq (or as an unsealed tail when it was the final seal)', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const original = build(p);
        const i = r % original.length;
        const records = original.filter((_, j) => j !== i);
        const result = verifyRecords(records, opts);
        if (i === original.length - 1) expectFailure(result, firstUnsealedSeq(records), /truncated tail or unsealed/);
        else expectFailure(result, original[i]!.seq, /missing/);
      }),
    );
  });

  it('an inserted, correctly chained record is reported at the seq it duplicates (or as unsealed at the end)', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const original = build(p);
        const i = r % (original.length + 1);
        const seq = i < original.length ? original[i]!.seq : original.length + 1;
        const forged = { ...forgedReading(seq), prevHash: i > 0 ? original[i - 1]!.hash : '' };
        const records = [...original.slice(0, i), { ...forged, hash: hashRecord(forged) }, ...original.slice(i)];
        const result = verifyRecords(records, opts);
        if (i === original.length) expectFailure(result, seq, /truncated tail or unsealed/);
        else expectFailure(result, seq, /duplicate/);
      }),
    );
  });

  it('an inserted record with everything after it renumbered and re-hashed is caught by the seals', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const original = build(p);
        const i = r % original.length;
        const seq = original[i]!.seq;
        const records = clone(original);
        records.splice(i, 0, { ...forgedReading(seq), prevHash: '', hash: '' });
        for (let j = i + 1; j < records.length; j++) records[j]!.seq += 1;
        rechain(records, i);
        // The first seal after the insertion whose (unchanged) headSeq now names the inserted or a
        // renumbered record fails; a seal naming a record before the insertion still holds.
        const failingSeal = records.find((x, j) => j > i && x.kind === 'seal' && (x.event!.data!.headSeq as number) >= seq);
        const result = verifyRecords(records, opts);
        if (failingSeal) expectFailure(result, failingSeal.seq, /different hash/);
        else expectFailure(result, seq, /truncated tail or unsealed/);
      }),
    );
  });

  it('two swapped records are reported at the first of them', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.nat(), (p, a, b) => {
        const records = clone(build(p));
        const i = a % records.length;
        const j = b % records.length;
        fc.pre(i !== j);
        const [lo, hi] = i < j ? [i, j] : [j, i];
        const seqLo = records[lo]!.seq;
        [records[lo], records[hi]] = [records[hi]!, records[lo]!];
        expectFailure(verifyRecords(records, opts), seqLo, /missing/);
      }),
    );
  });

  it('a seal re-signed with a key outside the trusted set is reported at that seal', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.boolean(), (p, r, claimTrustedId) => {
        const records = clone(build(p));
        const i = pick(records, r, (x) => x.kind === 'seal');
        const data = readSeal(records[i]!);
        if ('error' in data) throw new Error(data.error);
        const named = { gateway: GATEWAY, headSeq: data.headSeq, headHash: data.headHash };
        const resigned = signHead(named, attacker.privateKey, claimTrustedId ? trusted.keyId : undefined);
        records[i]!.event = { ...records[i]!.event!, data: { ...resigned } };
        rechain(records, i);
        expectFailure(verifyRecords(records, opts), records[i]!.seq, claimTrustedId ? /does not verify/ : /unknown key/);
      }),
    );
  });

  it('a changed value, chain re-hashed, later seals re-signed by another key: reported at the next seal', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.boolean(), (p, r, claimTrustedId) => {
        const records = clone(build(p));
        const i = pick(records, r, (x) => x.kind === 'reading');
        records[i]!.reading!.value = 0;
        forge(records, i, attacker, claimTrustedId ? trusted.keyId : undefined);
        const nextSeal = records.find((x, j) => j > i && x.kind === 'seal')!;
        expectFailure(verifyRecords(records, opts), nextSeal.seq, claimTrustedId ? /does not verify/ : /unknown key/);
      }),
    );
  });

  it('a tail truncated after the last seal is reported at the first unsealed record', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const original = build(p);
        const keep = 1 + (r % (original.length - 1));
        const records = original.slice(0, keep);
        const result = verifyRecords(records, opts);
        if (records[keep - 1]!.kind === 'seal') {
          // cut right after a seal: a valid, shorter export; only lastSeq can tell (see verify.ts)
          expect(result).toMatchObject({ ok: true, lastSeq: records[keep - 1]!.seq });
        } else {
          const unsealed = /truncated tail or unsealed records after seq \d+|no seal in the export/;
          expectFailure(result, firstUnsealedSeq(records), unsealed);
        }
      }),
    );
  });
});

describe('verifyRecords: specific cases', () => {
  it('reports an empty export, an export without seals, and records without anchor knowledge', () => {
    expect(verifyRecords([], opts)).toEqual({ ok: false, seq: null, reason: 'the export holds no records' });
    const chain = new HashChain();
    const unsealed = [1, 2, 3].map((s) => chain.append(readingRecord(s)));
    expectFailure(verifyRecords(unsealed, opts), 1, /no seal in the export: 3 record\(s\) \(seq 1 to 3\)/);
    // losing the first record is invisible without an anchor (it is a partial export) ...
    const records = build({ n: 20, sealEvery: 5 });
    expect(verifyRecords(records.slice(1), { publicKeys: opts.publicKeys }).ok).toBe(true);
    // ... and caught with one
    expectFailure(verifyRecords(records.slice(1), opts), 1, /missing/);
    expectFailure(verifyRecords(records.slice(3), { ...opts, after: { seq: 3, hash: records[0]!.hash } }), 4, /prevHash/);
    expect(verifyRecords(records.slice(3), { ...opts, after: { seq: 3, hash: records[2]!.hash } }).ok).toBe(true);
  });

  it('accepts a seal naming an earlier record, and rejects one naming itself, the future or outside the export', () => {
    const chain = new HashChain();
    const r1 = chain.append(readingRecord(1));
    const r2 = chain.append(readingRecord(2));
    const s3 = chain.append(sealOf(3, r1, trusted));
    // r2 lies between the head and the seal: not covered yet
    expectFailure(verifyRecords([r1, r2, s3], opts), 2, /unsealed records after seq 1/);
    const s4 = chain.append(sealOf(4, r2, trusted));
    expect(verifyRecords([r1, r2, s3, s4], opts)).toMatchObject({ ok: true, seals: 2, sealedSeq: 2 });

    const bad = (headSeq: number, at = 3): JournalRecord[] => {
      const c = new HashChain();
      const a = c.append(readingRecord(1));
      const b = c.append(readingRecord(2));
      const s = c.append(sealOf(at, { seq: headSeq, hash: b.hash }, trusted));
      return [a, b, s];
    };
    expectFailure(verifyRecords(bad(3), opts), 3, /not before the seal/);
    expectFailure(verifyRecords(bad(7), opts), 3, /not before the seal/);
    expectFailure(verifyRecords(bad(-5), opts), 3, /not in this export/);
  });

  it('a partial export may start with a seal whose head is just before it', () => {
    const records = build({ n: 20, sealEvery: 5 });
    const firstSeal = sealIndices(records)[0]!;
    expect(verifyRecords(records.slice(firstSeal), { publicKeys: opts.publicKeys }).ok).toBe(true);
  });

  it('reports malformed records, foreign gateways, unhashable content and malformed seals', () => {
    const records = build({ n: 20, sealEvery: 5 });
    const broken = clone(records);
    (broken[4] as unknown as Record<string, unknown>).hash = 42;
    expectFailure(verifyRecords(broken, opts), 5, /malformed record: hash/);
    expectFailure(verifyRecords([...records.slice(0, 2), 'junk' as unknown as JournalRecord], opts), 3, /not a JSON object/);

    const foreign = clone(records);
    foreign[3]!.gateway = 'gw-other';
    expectFailure(verifyRecords(foreign, opts), 4, /gateway "gw-other"/);

    const nan = clone(records);
    nan[2]!.reading!.value = Number.NaN;
    expectFailure(verifyRecords(nan, opts), 3, /no canonical form/);

    const seal = clone(records);
    const si = sealIndices(seal)[0]!;
    (seal[si]!.event!.data as Record<string, unknown>).signature = 'abc';
    rechain(seal, si);
    expectFailure(verifyRecords(seal, opts), seal[si]!.seq, /malformed seal: seal signature/);
  });

  it('trustedKeyMap refuses a Map whose keyId disagrees with its key', () => {
    expect(() => trustedKeyMap(new Map([[attacker.keyId, trusted.publicKey]]))).toThrow(/has keyId/);
    expect([...trustedKeyMap([trusted.publicKey]).keys()]).toEqual([trusted.keyId]);
  });

  it('verifies a large export at a useful rate', () => {
    const records = buildExport({ n: 20_000, sealEvery: 100, key: trusted });
    const t0 = process.hrtime.bigint();
    const result = verifyRecords(records, opts);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    expect(result.ok).toBe(true);
    const perSecond = Math.round(records.length / seconds);
    console.log(`verifyRecords: ${perSecond} records/s (${records.length} records, seal every 100)`);
  });
});
