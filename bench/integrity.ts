/**
 * Integrity costs on one core, for a typical acquisition record (a DMM's 10 V channel with u, extra
 * and the checks' annotations, and its internal temperature):
 * - canonical form + SHA-256 on the fast path (`canonicalRecord`, what the journal pays per append)
 *   and on the generic RFC 8785 path (`hashRecord`, what the verifier pays per record), plus the
 *   generic path for a version 1 reading record (a migrated journal's older records);
 * - chain link: the fast path plus linking (HashChain.link, as the commit queue calls it);
 * - seal: one Ed25519 signature over the chain head, and that cost spread over the 1000 records a
 *   seal covers at the default `sealEvery.records`;
 * - verification: records/s through the verifier (hash, link, seq, seal checks), from parsed
 *   objects and end to end from NDJSON text as `travelgate export` writes it (parse, duplicate
 *   check, verify), as `travelgate verify` does; and from a capture of MQTT payloads (arrays of
 *   200 records, as the sink packs them).
 * Run directly: `node --import tsx bench/integrity.ts` prints a table.
 */
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { JournalRecord } from '../src/core/types.js';
import { canonicalRecord, recordJson, sha256Hex } from '../src/integrity/canonical.js';
import { HashChain, hashRecord, parseNdjson, sealRecord, signHead, verifyRecords, type UnhashedRecord } from '../src/integrity/index.js';
import type { BenchResult } from './types.js';

const RECORDS = 50_000;
const SEAL_EVERY = 1000;
const SIGNATURES = 2_000;
const MESSAGE_RECORDS = 200;

function record(seq: number): UnhashedRecord {
  const time = 1_767_225_600_000 + seq * 100;
  return {
    v: 2,
    seq,
    kind: 'acquisition',
    gateway: 'gw-bench',
    lab: 'BENCH',
    time,
    clock: 'yes',
    device: 'dmm-1',
    channels: {
      dcv: {
        quantity: 'voltage',
        value: 10 + ((seq * 7919) % 997) * 1e-9,
        unit: 'V',
        u: 2.0024969612966184e-6,
        ...(seq % 50 === 0 ? { flags: ['settling' as const] } : {}),
        extra: { nplc: 10, range: '10 V' },
        standard: 'zener-732b-1234',
        verdicts: [{ check: 'prediction', result: 'pass', value: 0.42 }],
        verified: seq % 50 !== 0,
      },
      temp: { quantity: 'temperature', value: 23.1 + (seq % 7) * 0.01, unit: '°C' },
    },
  };
}

/** The same measurement as a version 1 reading record (travelgate 0.1). */
function legacyRecord(seq: number): UnhashedRecord {
  const time = 1_767_225_600_000 + seq * 100;
  return {
    seq,
    kind: 'reading',
    gateway: 'gw-bench',
    lab: 'BENCH',
    time,
    standard: 'zener-732b-1234',
    clock: 'yes',
    reading: {
      device: 'dmm-1',
      channel: 'dcv',
      quantity: 'voltage',
      value: 10 + ((seq * 7919) % 997) * 1e-9,
      unit: 'V',
      u: 2.0024969612966184e-6,
      time,
      flags: seq % 50 === 0 ? ['settling'] : [],
      extra: { nplc: 10, tempC: 23.1 },
    },
  };
}

/** Mean µs per call of `fn` over `n` calls (after a short warm-up). */
function microsPerCall(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn(i);
  const start = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - start) * 1000) / n;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export async function benchIntegrity(): Promise<BenchResult[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const unhashed = Array.from({ length: RECORDS }, (_, i) => ({ ...record(i + 1), prevHash: '' }) as JournalRecord);
  const legacy = Array.from({ length: RECORDS }, (_, i) => ({ ...legacyRecord(i + 1), prevHash: '' }) as JournalRecord);

  const fastUs = microsPerCall(RECORDS, (i) => void sha256Hex(canonicalRecord(unhashed[i]!)));
  const genericUs = microsPerCall(RECORDS, (i) => void hashRecord(unhashed[i]!));
  const legacyUs = microsPerCall(RECORDS, (i) => void hashRecord(legacy[i]!));
  const inputs = Array.from({ length: RECORDS }, (_, i) => record(i + 1));
  const chain = new HashChain();
  const linkUs = microsPerCall(RECORDS, (i) => void chain.link(inputs[i]!));

  const head = { gateway: 'gw-bench', headSeq: 1, headHash: 'a'.repeat(64) };
  const signUs = microsPerCall(SIGNATURES, (i) => void signHead({ ...head, headSeq: i }, privateKey));

  // A sealed export: a seal after every SEAL_EVERY acquisitions, built the way the journal builds it.
  const built = new HashChain();
  const exported: JournalRecord[] = [];
  const lines: string[] = [];
  let seq = 1;
  const add = (u: UnhashedRecord): void => {
    const { record: r, body } = built.link(u);
    exported.push(r);
    lines.push(recordJson(body, r.hash));
  };
  for (let i = 0; i < RECORDS; i++) {
    add(record(seq++));
    if ((i + 1) % SEAL_EVERY === 0) {
      const last = exported[exported.length - 1]!;
      add(sealRecord({ seq: seq++, time: last.time, gateway: 'gw-bench', lab: 'BENCH', head: last, privateKey, clock: 'yes' }));
    }
  }
  let start = performance.now();
  const result = verifyRecords(exported, { publicKeys: [publicKey] });
  const verifySeconds = (performance.now() - start) / 1000;
  if (!result.ok) throw new Error(`bench export does not verify: seq ${result.seq}: ${result.reason}`);

  const text = `${lines.join('\n')}\n`;
  start = performance.now();
  const parsed = await parseNdjson(text);
  if (!parsed.ok) throw new Error(`bench export does not parse: ${parsed.reason}`);
  const fromText = verifyRecords(parsed.records, { publicKeys: [publicKey] });
  const textSeconds = (performance.now() - start) / 1000;
  if (!fromText.ok) throw new Error('bench NDJSON does not verify');

  const messages: string[] = [];
  for (let i = 0; i < lines.length; i += MESSAGE_RECORDS) messages.push(`[${lines.slice(i, i + MESSAGE_RECORDS).join(',')}]`);
  start = performance.now();
  const capture = await parseNdjson(`${messages.join('\n')}\n`, { sort: true });
  if (!capture.ok) throw new Error(`bench capture does not parse: ${capture.reason}`);
  const fromCapture = verifyRecords(capture.records, { publicKeys: [publicKey] });
  const captureSeconds = (performance.now() - start) / 1000;
  if (!fromCapture.ok) throw new Error('bench MQTT capture does not verify');

  return [
    { name: 'canonical form + SHA-256, fast path (journal append)', value: round(fastUs, 2), unit: 'µs/record' },
    { name: 'hash one record, generic RFC 8785 + SHA-256 (verifier)', value: round(genericUs, 2), unit: 'µs/record' },
    { name: 'hash one version 1 reading record (generic)', value: round(legacyUs, 2), unit: 'µs/record' },
    { name: 'chain link one record', value: round(linkUs, 2), unit: 'µs/record' },
    { name: 'seal: one Ed25519 signature', value: round(signUs, 1), unit: 'µs/seal' },
    { name: `seal cost per record (1 seal / ${SEAL_EVERY} records)`, value: round(signUs / SEAL_EVERY, 3), unit: 'µs/record' },
    { name: `verify ${exported.length} records (objects)`, value: Math.round(exported.length / verifySeconds), unit: 'records/s' },
    { name: `parse + verify ${exported.length} records (export NDJSON)`, value: Math.round(exported.length / textSeconds), unit: 'records/s' },
    { name: `parse + verify ${exported.length} records (MQTT arrays of ${MESSAGE_RECORDS})`, value: Math.round(exported.length / captureSeconds), unit: 'records/s' },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchIntegrity());
}
