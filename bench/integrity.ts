/**
 * Integrity costs on one core, for a typical reading record (a DMM reading with u, flags, extra):
 * - hash: RFC 8785 canonical form + SHA-256 of one record (what the journal pays per append);
 * - chain append: the same plus linking (HashChain.append, as the commit queue calls it);
 * - seal: one Ed25519 signature over the chain head, and that cost spread over the 1000 records a
 *   seal covers at the default `sealEvery.records`;
 * - verification: records/s through the verifier (hash, link, seq, seal checks), from parsed
 *   objects and end to end from NDJSON text (parse, duplicate check, verify), as `travelgate verify`.
 * Run directly: `node --import tsx bench/integrity.ts` prints a table.
 */
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { JournalRecord } from '../src/core/types.js';
import { HashChain, hashRecord, parseNdjson, sealRecord, signHead, verifyRecords, type UnhashedRecord } from '../src/integrity/index.js';
import type { BenchResult } from './types.js';

const RECORDS = 50_000;
const SEAL_EVERY = 1000;
const SIGNATURES = 2_000;

function record(seq: number): UnhashedRecord {
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
  const unhashed = Array.from({ length: RECORDS }, (_, i) => record(i + 1));

  const hashUs = microsPerCall(RECORDS, (i) => void hashRecord({ ...unhashed[i]!, prevHash: '' }));
  const chain = new HashChain();
  const appendUs = microsPerCall(RECORDS, (i) => void chain.append(unhashed[i]!));

  const head = { gateway: 'gw-bench', headSeq: 1, headHash: 'a'.repeat(64) };
  const signUs = microsPerCall(SIGNATURES, (i) => void signHead({ ...head, headSeq: i }, privateKey));

  // A sealed export: a seal after every SEAL_EVERY readings, built the way the journal builds it.
  const built = new HashChain();
  const exported: JournalRecord[] = [];
  let seq = 1;
  for (let i = 0; i < RECORDS; i++) {
    exported.push(built.append({ ...record(seq++) }));
    if ((i + 1) % SEAL_EVERY === 0) {
      const last = exported[exported.length - 1]!;
      exported.push(built.append(sealRecord({ seq: seq++, time: last.time, gateway: 'gw-bench', lab: 'BENCH', head: last, privateKey })));
    }
  }
  let start = performance.now();
  const result = verifyRecords(exported, { publicKeys: [publicKey] });
  const verifySeconds = (performance.now() - start) / 1000;
  if (!result.ok) throw new Error(`bench export does not verify: seq ${result.seq}: ${result.reason}`);

  const text = `${exported.map((r) => JSON.stringify(r)).join('\n')}\n`;
  start = performance.now();
  const parsed = await parseNdjson(text);
  if (!parsed.ok) throw new Error(`bench export does not parse: ${parsed.reason}`);
  const fromText = verifyRecords(parsed.records, { publicKeys: [publicKey] });
  const textSeconds = (performance.now() - start) / 1000;
  if (!fromText.ok) throw new Error('bench NDJSON does not verify');

  return [
    { name: 'hash one record (RFC 8785 + SHA-256)', value: round(hashUs, 2), unit: 'µs/record' },
    { name: 'chain append one record', value: round(appendUs, 2), unit: 'µs/record' },
    { name: 'seal: one Ed25519 signature', value: round(signUs, 1), unit: 'µs/seal' },
    { name: `seal cost per record (1 seal / ${SEAL_EVERY} records)`, value: round(signUs / SEAL_EVERY, 3), unit: 'µs/record' },
    { name: `verify ${exported.length} records (objects)`, value: Math.round(exported.length / verifySeconds), unit: 'records/s' },
    { name: `parse + verify ${exported.length} records (NDJSON)`, value: Math.round(exported.length / textSeconds), unit: 'records/s' },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchIntegrity());
}
