import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalRecord } from '../../../src/core/types.js';
import { verifyFile } from '../../../src/cli/verify.js';
import { canonicalRecord, recordJson } from '../../../src/integrity/canonical.js';
import type { CommittedRecord } from '../../../src/journal/index.js';
import { packMessages } from '../../../src/sinks/mqtt/sink.js';
import { isDashboardEvent, statusPayload, topicsFor } from '../../../src/sinks/mqtt/topics.js';
import { textWritable } from '../../helpers/text-writable.js';
import {
  HashChain,
  hashRecord,
  parseNdjson,
  readSeal,
  signHead,
  trustedKeyMap,
  verifyRecords,
  type VerifyOptions,
  type UnhashedRecord,
  type VerifyResult,
} from '../../../src/integrity/index.js';
import {
  GATEWAY,
  LAB,
  buildExport,
  clone,
  eventOf,
  eventRecord,
  isData,
  legacyReadingRecord,
  readingRecord,
  rechain,
  sealIndices,
  sealOf,
  setValue,
  testKey,
  valueOf,
  type TestKey,
} from './fixtures.js';

const trusted = testKey();
const attacker = testKey();
/** Every export here starts at the journal's genesis (seq 1, prevHash ''), and we say so. */
const opts: VerifyOptions = { publicKeys: [trusted.publicKey], after: { seq: 0, hash: '' } };

/** Exports of version 2 records, and sometimes of a migrated journal: version 1 records first (all of them when
 *  `legacy` >= n), then version 2, one chain. */
const exportArb = fc.record({
  n: fc.integer({ min: 50, max: 200 }),
  sealEvery: fc.integer({ min: 3, max: 25 }),
  legacy: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 220 }), weight: 1 }),
});
const build = (p: { n: number; sealEvery: number; legacy?: number }): JournalRecord[] => buildExport({ ...p, key: trusted });
const pick = (records: readonly JournalRecord[], r: number, pred: (x: JournalRecord) => boolean = () => true): number => {
  const candidates = records.flatMap((x, i) => (pred(x) ? [i] : []));
  return candidates[r % candidates.length]!;
};

/** An acquisition that differs from the fixture's acquisition at the same seq. */
function forgedReading(seq: number): UnhashedRecord {
  const r = readingRecord(seq);
  setValue(r, 9.999_999);
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
  const sealed = lastSeal ? (eventOf(lastSeal).data!.headSeq as number) : -1;
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
      r.event = { ...r.event, data: { ...data } };
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
        const i = pick(records, r, isData);
        fc.pre(valueOf(records[i]!) !== v && !Object.is(v, -0));
        setValue(records[i]!, v);
        expectFailure(verifyRecords(records, opts), records[i]!.seq, /hash does not match/);
      }),
    );
  });

  it('any changed field of any record (seals included) is reported at that record', () => {
    const fields = fc.constantFrom('time', 'lab', 'gateway', 'kind', 'prevHash', 'standard', 'clock', 'device', 'v');
    fc.assert(
      fc.property(exportArb, fc.nat(), fields, (p, r, field) => {
        const records = clone(build(p));
        const i = pick(records, r);
        const rec = records[i] as unknown as Record<string, unknown>;
        const otherKind = rec.kind === 'event' ? 'acquisition' : rec.kind === 'acquisition' ? 'reading' : 'event';
        rec[field] = field === 'time' ? (rec.time as number) + 1 : field === 'kind' ? otherKind : field === 'v' ? (rec.v === 2 ? undefined : 2) : 'x';
        expectFailure(verifyRecords(records, opts), records[i]!.seq);
      }),
    );
  });

  it('a changed value with the chain re-hashed (no key) is reported at the next seal', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (p, r) => {
        const records = clone(build(p));
        const i = pick(records, r, isData);
        setValue(records[i]!, (valueOf(records[i]!) ?? 0) + 1e-6);
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
        const failingSeal = records.find((x, j) => j > i && x.kind === 'seal' && (eventOf(x).data!.headSeq as number) >= seq);
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
        const seal = records[i]!;
        if (seal.kind !== 'seal') throw new Error('not a seal');
        const data = readSeal(seal);
        if ('error' in data) throw new Error(data.error);
        const named = { gateway: GATEWAY, headSeq: data.headSeq, headHash: data.headHash };
        const resigned = signHead(named, attacker.privateKey, claimTrustedId ? trusted.keyId : undefined);
        seal.event = { ...seal.event, data: { ...resigned } };
        rechain(records, i);
        expectFailure(verifyRecords(records, opts), records[i]!.seq, claimTrustedId ? /does not verify/ : /unknown key/);
      }),
    );
  });

  it('a changed value, chain re-hashed, later seals re-signed by another key: reported at the next seal', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.boolean(), (p, r, claimTrustedId) => {
        const records = clone(build(p));
        const i = pick(records, r, isData);
        setValue(records[i]!, 0);
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
    setValue(nan[2]!, Number.NaN);
    expectFailure(verifyRecords(nan, opts), 3, /no canonical form/);

    const seal = clone(records);
    const si = sealIndices(seal)[0]!;
    (eventOf(seal[si]!).data as Record<string, unknown>).signature = 'abc';
    rechain(seal, si);
    expectFailure(verifyRecords(seal, opts), seal[si]!.seq, /malformed seal: seal signature/);
  });

  it('a version 1 export (travelgate 0.1) still verifies, and so does a migrated journal: version 1 records, then version 2', () => {
    const v1 = build({ n: 60, sealEvery: 10, legacy: 60 });
    expect(v1.every((r) => !('v' in r))).toBe(true);
    expect(v1.filter((r) => r.kind === 'reading')).toHaveLength(55);
    expect(verifyRecords(v1, opts)).toEqual({ ok: true, records: 66, seals: 6, firstSeq: 1, lastSeq: 66, sealedSeq: 65, keyIds: [trusted.keyId] });

    const migrated = build({ n: 60, sealEvery: 10, legacy: 25 });
    expect(migrated.filter((r) => r.kind === 'reading')).toHaveLength(23);
    expect(migrated.filter((r) => r.kind === 'acquisition')).toHaveLength(32);
    expect(verifyRecords(migrated, opts)).toMatchObject({ ok: true, records: 66, seals: 6 });
    // the version 2 half alone, anchored on the last version 1 record
    const firstV2 = migrated.findIndex((r) => 'v' in r && r.v === 2);
    expect(verifyRecords(migrated.slice(firstV2), { ...opts, after: { seq: firstV2, hash: migrated[firstV2 - 1]!.hash } }).ok).toBe(true);
  });

  it('a version 1 reading record edited to look like version 2 (or the reverse) does not verify', () => {
    const chain = new HashChain();
    const r1 = chain.append(legacyReadingRecord(1));
    const r2 = chain.append(readingRecord(2));
    const s3 = chain.append(sealOf(3, r2, trusted));
    expect(verifyRecords([r1, r2, s3], opts).ok).toBe(true);
    expectFailure(verifyRecords([{ ...r1, v: 2 } as unknown as JournalRecord, r2, s3], opts), 1, /hash does not match/);
    const { v: _v, ...r2v1 } = r2 as Extract<JournalRecord, { kind: 'acquisition' }>;
    expectFailure(verifyRecords([r1, r2v1 as unknown as JournalRecord, s3], opts), 2, /hash does not match/);
  });

  it('reports an unknown format version and an acquisition without channels as malformed', () => {
    const records = build({ n: 20, sealEvery: 5 });
    const future = clone(records);
    (future[2] as unknown as Record<string, unknown>).v = 3;
    rechain(future, 2);
    expectFailure(verifyRecords(future, opts), 3, /malformed record: format version 3/);
    const noChannels = clone(records);
    delete (noChannels[0] as unknown as Record<string, unknown>).channels;
    rechain(noChannels, 0);
    expectFailure(verifyRecords(noChannels, opts), 1, /malformed record: an acquisition without a device or channels/);
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

describe('a batched MQTT capture (what the platform collects from travelgate/#)', () => {
  const topics = topicsFor('travelgate', 'CMP-1', LAB);
  const dir = mkdtempSync(join(tmpdir(), 'tg-verify-capture-'));
  const publicKeyFile = join(dir, 'seal.key.pub');
  writeFileSync(publicKeyFile, trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A journal's records: acquisitions, routine events, some alarms (which also go to the events topic), seals. */
  function journalRecords(n: number, sealEvery: number): JournalRecord[] {
    const chain = new HashChain();
    const out: JournalRecord[] = [];
    let seq = 1;
    for (let i = 0; i < n; i++) {
      const s = seq++;
      let u: UnhashedRecord = i % 11 === 5 ? eventRecord(s) : readingRecord(s);
      if (i % 22 === 5 && u.kind === 'event') u = { ...u, event: { ...u.event, type: 'transport_shock', severity: 'alarm' as const } };
      out.push(chain.append(u));
      if ((i + 1) % sealEvery === 0 || i === n - 1) out.push(chain.append(sealOf(seq++, out[out.length - 1]!, trusted)));
    }
    return out;
  }

  /** As the journal hands them to the sink: the exact JSON the journal made for each record. */
  const committed = (records: readonly JournalRecord[]): CommittedRecord[] =>
    records.map((r) => {
      const body = canonicalRecord(r);
      return { seq: r.seq, kind: r.kind === 'reading' ? 'acquisition' : r.kind, time: r.time, body, hash: r.hash, json: recordJson(body, r.hash), record: r };
    });

  interface Payload {
    topic: string;
    payload: string;
    /** seqs the payload holds */
    seqs: number[];
  }

  /** Every PUBLISH the MQTT sink makes for these records (delivered in batches of `batch`). */
  function published(records: readonly JournalRecord[], batch: number): Payload[] {
    const all = committed(records);
    const out: Payload[] = [];
    for (let from = 0; from < all.length; from += batch) {
      const slice = all.slice(from, from + batch);
      const { messages } = packMessages(slice, { messageRecords: 10, messageBytes: 3000 });
      for (const m of messages) {
        out.push({ topic: m.events ? topics.events : topics.records, payload: m.payload.toString('utf8'), seqs: slice.slice(m.from, m.to + 1).map((c) => c.seq) });
      }
    }
    return out;
  }

  const status = (state: 'online' | 'offline', time: number): Payload => ({
    topic: topics.status,
    payload: statusPayload({ gateway: GATEWAY, lab: LAB, comparison: 'CMP-1', state, time }),
    seqs: [],
  });

  /** Capture lines: some as `mosquitto_sub -v` prints them ("<topic> <payload>"), some bare. */
  function captureLines(payloads: readonly Payload[], seed: number): string[] {
    const lines = payloads.map((p, i) => ((i + seed) % 3 === 0 ? `${p.topic} ${p.payload}` : p.payload));
    return lines
      .map((l, i) => ({ l, w: Math.sin(seed + i * 1.7) }))
      .sort((a, b) => a.w - b.w)
      .map((x) => x.l);
  }

  /** The payloads with the record `seq` taken out of every records-topic array that holds it. */
  function without(payloads: readonly Payload[], seq: number): Payload[] {
    return payloads.map((p) => {
      if (!p.seqs.includes(seq)) return p;
      const elements = (JSON.parse(p.payload) as JournalRecord[]).filter((r) => r.seq !== seq);
      return { ...p, payload: JSON.stringify(elements), seqs: p.seqs.filter((s) => s !== seq) };
    });
  }

  const records = journalRecords(150, 20);

  it('the fixture is what the sink really sends: arrays of several records, alarms on the events topic too', () => {
    const payloads = published(records, 37);
    const arrays = payloads.filter((p) => p.topic === topics.records);
    expect(arrays.every((p) => p.payload.startsWith('[{"hash":"'))).toBe(true);
    expect(arrays.some((p) => p.seqs.length >= 4)).toBe(true);
    expect(arrays.flatMap((p) => p.seqs)).toEqual(records.map((r) => r.seq));
    const alarms = records.filter(isDashboardEvent).map((r) => r.seq);
    expect(alarms.length).toBeGreaterThan(3);
    expect(payloads.filter((p) => p.topic === topics.events).flatMap((p) => p.seqs)).toEqual(alarms);
  });

  it('verifies shuffled, with redelivered messages, topic prefixes and retained status messages skipped (property)', async () => {
    const alarms = records.filter(isDashboardEvent).length;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 60 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer(), async (batch, redelivered, seed) => {
        const payloads = published(records, batch);
        const again = redelivered.map((r) => payloads[r % payloads.length]!);
        const statuses = [status('online', 1), status('offline', 2), status('online', 3)];
        const lines = captureLines([...payloads, ...again, ...statuses], seed);
        const parsed = await parseNdjson(lines.join('\n'), { sort: true });
        const copies = again.reduce((n, p) => n + p.seqs.length, 0);
        expect(parsed).toMatchObject({ ok: true, skipped: statuses.length, duplicates: copies + alarms });
        if (!parsed.ok) return;
        expect(verifyRecords(parsed.records, opts)).toMatchObject({ ok: true, records: records.length, lastSeq: records.length });

        // One acquisition lost from one batch (every copy of it): reported at its seq.
        const isAcquisition = (s: number): boolean => records[s - 1]!.kind === 'acquisition';
        const inBatches = payloads.filter((p) => p.topic === topics.records && p.seqs.length > 1 && p.seqs.some(isAcquisition));
        const candidates = inBatches[Math.abs(seed) % inBatches.length]!.seqs.filter(isAcquisition);
        const lost = candidates[Math.abs(seed) % candidates.length]!;
        const cut = await parseNdjson(captureLines(without([...payloads, ...again, ...statuses], lost), seed).join('\n'), { sort: true });
        expect(cut.ok).toBe(true);
        if (cut.ok) expectFailure(verifyRecords(cut.records, opts), lost, /record missing/);
      }),
      { numRuns: 25 },
    );
  });

  it('`travelgate verify` says OK on the capture file, and FAILED at the seq of a record lost from one batch', async () => {
    const payloads = published(records, 25);
    const statuses = [status('online', 1), status('offline', 2), status('online', 3)];
    const capture = [...payloads, ...payloads.slice(3, 6), ...statuses];
    const run = async (lines: string[]) => {
      const file = join(dir, 'capture.ndjson');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const io = { stdout: textWritable(), stderr: textWritable() };
      const code = await verifyFile(file, [publicKeyFile], io);
      return { code, stdout: io.stdout.text, stderr: io.stderr.text };
    };

    const ok = await run(captureLines(capture, 7));
    expect(ok.stdout).toMatch(new RegExp(`^OK: ${records.length} records, seq 1\\.\\.${records.length},`));
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/identical duplicate\(s\) dropped: checked in seq order/);

    const batch = payloads.find((p) => p.topic === topics.records && p.seqs.length >= 3 && p.seqs[0]! > 30)!;
    const lost = batch.seqs.find((s, i) => i > 0 && records[s - 1]!.kind === 'acquisition')!;
    const failed = await run(captureLines(without(capture, lost), 7));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`^FAILED at seq ${lost}: record missing`));
  });
});
