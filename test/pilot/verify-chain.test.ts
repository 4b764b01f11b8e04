/**
 * The out-of-order verifier against both stores (SQLite, and a real PostgreSQL started here):
 * any arrival order and duplicates reach the state of in-order arrival; forgeries are kept apart
 * with their reason and never carry verifiedThrough past them; a gap the gateway declared is
 * crossed; applying everything again changes nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRecord, digestOf, recordJson } from '../../src/integrity/canonical.js';
import { HashChain } from '../../src/integrity/chain.js';
import { sealRecord } from '../../src/integrity/seal.js';
import type { JournalRecord } from '../../src/core/types.js';
import type { PilotStore } from '../../src/pilot/store/types.js';
import { startPostgres, type PostgresServer } from '../helpers/servers/postgresql.js';
import { checkerFor, feed, openStore, stateOf, testGateway, topicOf, type OpenedStore } from './helpers/harness.js';
import { shuffled, StreamGen, type Made } from './helpers/stream.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const gwA = testGateway('gw-a', 'PTB');
const gwB = testGateway('gw-b', 'NPL');
const checker = checkerFor([gwA, gwB]);
const missing = async (store: PilotStore, gateway: string, above: number) => (await store.completeness([{ gateway, above }])).get(gateway)!.missing;
const msg = (lab: string, made: readonly Made[]) => ({ topic: topicOf(lab), payload: `[${made.map((m) => m.json).join(',')}]` });
const one = (lab: string, m: Made) => msg(lab, [m]);

/** A forged variant of `r` with its hash recomputed (a forger can hash; it cannot seal). */
function reHashed(r: JournalRecord, change: (copy: Record<string, unknown>) => void): Made {
  const copy = structuredClone(r) as unknown as Record<string, unknown>;
  change(copy);
  delete copy.hash;
  const body = canonicalRecord(copy as unknown as JournalRecord);
  const hash = digestOf(body).toString('hex');
  return { record: { ...(copy as unknown as JournalRecord), hash }, json: recordJson(body, hash) };
}

let pg: PostgresServer | undefined;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.close();
});

describe.each(['sqlite', 'postgres'] as const)('the verifier on %s', (kind) => {
  const opened: OpenedStore[] = [];
  const open = async () => {
    const o = await openStore(kind, [gwA, gwB], pg);
    opened.push(o);
    return o.store;
  };
  afterAll(async () => {
    for (const o of opened) await o.close();
  });

  it('reaches the same state from any order with duplicates as in order, and again after a replay', async () => {
    const a = new StreamGen(gwA.id, gwA.lab, gwA.key).run(120, T0, 25);
    const b = new StreamGen(gwB.id, gwB.lab, gwB.key).run(40, T0, 7);
    const inOrder = await open();
    for (const m of a) await feed(inOrder, checker, [one('PTB', m)]);
    for (const m of b) await feed(inOrder, checker, [one('NPL', m)]);
    const expected = await stateOf(inOrder);
    expect(expected['gw-a']).toMatchObject({ verifiedThrough: a.length, records: a.length, headSeq: a.length });
    expect(expected['gw-a']!.verifiedHash).toBe(a[a.length - 1]!.record.hash);
    expect(expected['gw-b']).toMatchObject({ verifiedThrough: b.length, records: b.length });
    expect(await missing(inOrder, 'gw-a', 0)).toEqual([]);

    const messages = shuffled([...a.map((m) => one('PTB', m)), ...b.map((m) => one('NPL', m)), ...shuffled(a, 7).slice(0, 40).map((m) => one('PTB', m))], 42);
    const mixed = await open();
    let duplicates = 0;
    for (let i = 0; i < messages.length; ) {
      const size = 1 + ((i * 7) % 13);
      duplicates += (await feed(mixed, checker, messages.slice(i, i + size))).duplicates;
      i += size;
    }
    expect(await stateOf(mixed)).toEqual(expected);
    expect(duplicates).toBe(40);
    expect(await mixed.rejected({ limit: 10 })).toEqual([]);

    const again = await feed(mixed, checker, messages); // a restarted receiver applying its inbox again
    expect(again.inserted).toBe(0);
    expect(await stateOf(mixed)).toEqual(expected);
  });

  it('keeps forgeries apart with their reason, and the verified range never passes them', async () => {
    const store = await open();
    const gen = new StreamGen(gwA.id, gwA.lab, gwA.key);
    const first = gen.run(10, T0, 10); // seq 1..11, sealed
    await feed(store, checker, [msg('PTB', first)]);
    expect((await stateOf(store))['gw-a']!.verifiedThrough).toBe(11);

    // Wrong hash: a value changed after hashing.
    const altered = JSON.parse(first[3]!.json) as Record<string, { dcv: { value: number } }>;
    altered.channels!.dcv.value = 10.5;
    // A seal with the right hash but signed by a key the pilot does not know.
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const chain = new HashChain(first[first.length - 1]!.record.hash);
    const fakeSeal = chain.link(sealRecord({ seq: 12, time: T0 + 20_000, gateway: gwA.id, lab: 'PTB', head: first[first.length - 1]!.record, privateKey: stranger }) as never);
    // A different record for an existing seq (hash recomputed).
    const conflict = reHashed(first[4]!.record, (c) => ((c.channels as { dcv: { value: number } }).dcv.value = 11));
    const out = await feed(store, checker, [
      { topic: topicOf('PTB'), payload: JSON.stringify(altered) },
      { topic: topicOf('PTB'), payload: `[${recordJson(fakeSeal.body, fakeSeal.record.hash)}]` },
      one('PTB', conflict),
    ]);
    expect(out.rejected.map((r) => [r.seq, r.code])).toEqual([
      [4, 'wrong_hash'],
      [12, 'unknown_key'],
      [5, 'conflict'],
    ]);
    expect(out.rejected[1]!.reason).toMatch(/not a key of gateway "gw-a"/);

    // A forgery for a seq not yet received takes its place first; the real records and seal follow.
    const next = gen.run(10, T0 + 60_000, 10); // seq 12..22
    const forged = reHashed(next[0]!.record, (c) => ((c.channels as { dcv: { value: number } }).dcv.value = 9.9));
    await feed(store, checker, [one('PTB', forged)]);
    await feed(store, checker, [msg('PTB', next.slice(1, 5))]);
    expect((await stateOf(store))['gw-a']!.verifiedThrough).toBe(11);
    await feed(store, checker, [msg('PTB', next.slice(5))]); // the seal: forgery out, its place empty
    let s = (await stateOf(store))['gw-a']!;
    expect(s.verifiedThrough).toBe(11);
    expect(await missing(store, 'gw-a', 11)).toEqual([{ first: 12, last: 12 }]);
    await feed(store, checker, [one('PTB', next[0]!)]); // the real record arrives late
    s = (await stateOf(store))['gw-a']!;
    expect(s).toMatchObject({ verifiedThrough: 22, records: 22 });
    const codes = (await store.rejected({ limit: 20 })).map((r) => `${r.seq}:${r.code}`).sort();
    expect(codes).toEqual(['12:broken_link', '12:unknown_key', '4:wrong_hash', '5:conflict']);
  });

  it('puts the real record in place of a forgery that arrived first, when the real one came in between', async () => {
    const store = await open();
    const gen = new StreamGen(gwB.id, gwB.lab, gwB.key);
    const recs = gen.run(6, T0, 6); // seq 1..7
    const forged = reHashed(recs[2]!.record, (c) => (c.time = T0 + 123));
    await feed(store, checker, [one('NPL', forged)]);
    const out = await feed(store, checker, [msg('NPL', recs.slice(0, 6))]);
    expect(out.rejected.map((r) => `${r.seq}:${r.code}`)).toEqual(['3:conflict']);
    const done = await feed(store, checker, [one('NPL', recs[6]!)]);
    expect(done.rejected.map((r) => `${r.seq}:${r.code}`)).toEqual(['3:broken_link']);
    expect((await stateOf(store))['gw-b']).toMatchObject({ verifiedThrough: 7, records: 7, verifiedHash: recs[6]!.record.hash });
    expect((await store.rejected({ limit: 10 })).map((r) => r.code)).toEqual(['broken_link']);
  });

  it('crosses a range the gateway declared lost in a gap event', async () => {
    const store = await open();
    const gen = new StreamGen(gwA.id, gwA.lab, gwA.key);
    const before = gen.run(5, T0, 5); // 1..6
    const lost = gen.run(4, T0 + 10_000, 10); // 7..11, deleted at the gateway before forwarding
    const gap = gen.event(T0 + 20_000, { type: 'gap', severity: 'alarm', message: 'dropped', data: { firstSeq: 7, lastSeq: 11, count: 5 } });
    const after = gen.run(3, T0 + 30_000, 3);
    expect(lost.length).toBe(5);
    // Two of the lost records did reach the pilot, but no seal covering them did: passed over, not counted.
    await feed(store, checker, [msg('PTB', [...after, gap, lost[1]!, lost[2]!]), msg('PTB', before)]);
    const s = (await stateOf(store))['gw-a']!;
    expect(s).toMatchObject({ verifiedThrough: gen.seq, records: gen.seq - 3, gaps: [{ first: 7, last: 11, seq: 12 }] });
    const counted = (await store.verifiedReadings('Z1')).map((r) => r.seq);
    expect(counted).toEqual([1, 2, 3, 4, 5, 13, 14, 15]);
    const seen = await store.verifiedEvents(['gap'], undefined, { beyondVerified: true });
    expect(seen.map((e) => [e.seq, JSON.parse(e.data)])).toEqual([[12, { firstSeq: 7, lastSeq: 11, count: 5 }]]);
  });
});
