import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import type { JournalRecord } from '../../../src/core/types.js';
import { parseNdjson, verifyRecords } from '../../../src/integrity/index.js';
import { statusPayload } from '../../../src/sinks/mqtt/topics.js';
import { GATEWAY, LAB, buildExport, testKey } from './fixtures.js';

const key = testKey();
const opts = { publicKeys: [key.publicKey] };
const records = buildExport({ n: 60, sealEvery: 8, key });
const toNdjson = (rs: readonly unknown[]): string => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** JSON with the keys of every object written in reverse order: same record, different bytes. */
const reversedJson = (r: JournalRecord): string =>
  JSON.stringify(r, function (this: unknown, _k, v: unknown) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).reverse());
  });

describe('parseNdjson', () => {
  it('reads a plain export that then verifies', async () => {
    const parsed = await parseNdjson(toNdjson(records));
    expect(parsed).toMatchObject({ ok: true, duplicates: 0, skipped: 0 });
    if (!parsed.ok) return;
    expect(parsed.records).toEqual(records);
    expect(verifyRecords(parsed.records, opts).ok).toBe(true);
  });

  it('reads version 1 records (a migrated journal) like any other', async () => {
    const migrated = buildExport({ n: 40, sealEvery: 8, key, legacy: 15 });
    expect(migrated.some((r) => r.kind === 'reading')).toBe(true);
    const parsed = await parseNdjson(toNdjson(migrated));
    expect(parsed.ok && parsed.records).toEqual(migrated);
    if (parsed.ok) expect(verifyRecords(parsed.records, opts).ok).toBe(true);
  });

  it('skips a status message (no seq, no hash) and counts it in skipped', async () => {
    const online = statusPayload({ gateway: GATEWAY, lab: LAB, comparison: 'CMP-1', state: 'online', time: 1_760_000_000_000 });
    const offline = statusPayload({ gateway: GATEWAY, lab: LAB, comparison: 'CMP-1', state: 'offline', time: 1_760_000_001_000 });
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(3, 0, online);
    lines.splice(20, 0, `travelgate/CMP-1/PTB/status ${offline}`);
    lines.push(online);
    const parsed = await parseNdjson(lines.join('\n'));
    expect(parsed).toMatchObject({ ok: true, skipped: 3, duplicates: 0 });
    expect(parsed.ok && parsed.records).toEqual(records);
    // an object with a hash but no seq is a broken record, not a status message
    const { seq: _seq, ...noSeq } = records[0]!;
    expect(await parseNdjson(`${online}\n${JSON.stringify(noSeq)}\n`)).toMatchObject({ ok: false, line: 2, reason: /integer seq/ });
  });

  it('reads records topic payloads: JSON arrays of records, bare or after a topic', async () => {
    const arrays: string[] = [];
    for (let i = 0; i < records.length; i += 7) arrays.push(JSON.stringify(records.slice(i, i + 7)));
    const text = arrays.map((a, i) => (i % 2 ? `travelgate/CMP-1/PTB/records ${a}` : a)).join('\n');
    const parsed = await parseNdjson(text);
    expect(parsed).toMatchObject({ ok: true, duplicates: 0, skipped: 0 });
    expect(parsed.ok && parsed.records).toEqual(records);
    // a record sent again inside another array, or alone (the events topic), is a duplicate
    const again = `${text}\n${JSON.stringify([records[2], records[9]])}\n${reversedJson(records[4]!)}\n`;
    expect(await parseNdjson(again, { sort: true })).toMatchObject({ ok: true, duplicates: 3, records });
    // ... unless it differs
    const altered = { ...records[9]!, time: records[9]!.time + 1 };
    expect(await parseNdjson(`${text}\n${JSON.stringify([records[2], altered])}\n`)).toMatchObject({
      ok: false,
      seq: 10,
      reason: /seq 10 appears twice with different content/,
    });
    // an array element that is not an object is not a record
    expect(await parseNdjson(`[${JSON.stringify(records[0])},7]\n`)).toMatchObject({ ok: false, line: 1, reason: 'not a JSON object' });
  });

  it('tolerates BOM, CRLF, blank lines and a missing final newline', async () => {
    const text = '\uFEFF' + records.map((r) => JSON.stringify(r)).join('\r\n\r\n');
    const parsed = await parseNdjson(text);
    expect(parsed.ok && parsed.records.length).toBe(records.length);
  });

  it('reads an MQTT capture: shuffled, with redelivered duplicates and topic prefixes, sorted by seq', () => {
    fc.assert(
      fc.asyncProperty(fc.array(fc.nat(records.length - 1), { maxLength: 30 }), fc.integer(), async (dups, seed) => {
        const lines = records.map((r) => JSON.stringify(r));
        for (const d of dups) {
          // a redelivery: byte-identical, or the same record serialised with another key order
          lines.push(d % 2 ? lines[d]! : reversedJson(records[d]!));
        }
        const shuffled = lines
          .map((l, i) => ({ l: i % 3 === 0 ? `travelgate/PTB/gw-ptb-01/records ${l}` : l, w: Math.sin(seed + i) }))
          .sort((a, b) => a.w - b.w)
          .map((x) => x.l);
        const parsed = await parseNdjson(shuffled.join('\n'), { sort: true });
        expect(parsed).toMatchObject({ ok: true, duplicates: dups.length, skipped: 0 });
        if (parsed.ok) expect(verifyRecords(parsed.records, opts).ok).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps input order without sort, so reordering reaches the verifier', async () => {
    const swapped = [...records];
    [swapped[3], swapped[9]] = [swapped[9]!, swapped[3]!];
    const parsed = await parseNdjson(toNdjson(swapped));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(verifyRecords(parsed.records, opts)).toMatchObject({ ok: false, seq: 4 });
  });

  it('reports a duplicate seq with different content', async () => {
    const altered = structuredClone(records[5]!);
    altered.time += 1;
    const parsed = await parseNdjson(toNdjson([...records, altered]));
    expect(parsed).toEqual({
      ok: false,
      line: records.length + 1,
      seq: 6,
      reason: `seq 6 appears twice with different content (lines 6 and ${records.length + 1})`,
    });
  });

  it('reports lines that are not records, by line number', async () => {
    expect(await parseNdjson('{"seq":1}\n{oops\n')).toMatchObject({ ok: false, line: 2, seq: null, reason: /not JSON/ });
    expect(await parseNdjson('[1,2]\n')).toMatchObject({ ok: false, line: 1, reason: 'not a JSON object' });
    expect(await parseNdjson('{"seq":"1"}\n')).toMatchObject({ ok: false, line: 1, reason: /integer seq/ });
  });

  it('reads streams split anywhere, multi-byte characters included', async () => {
    const withUnicode = structuredClone(records);
    withUnicode[0]!.lab = 'Physikalisch-Technische Bundesanstalt — Braunschweig µ°Ω';
    const bytes = Buffer.from(toNdjson(withUnicode));
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 37) chunks.push(bytes.subarray(i, i + 37));
    const parsed = await parseNdjson(Readable.from(chunks));
    expect(parsed.ok && parsed.records).toEqual(withUnicode);
    const bad = await parseNdjson(Readable.from([Buffer.from('{"seq":1}\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
    expect(bad).toMatchObject({ ok: false, reason: 'the input is not UTF-8 text' });
  });
});
