/**
 * Test fixtures for the integrity library: realistic reading records and sealed exports built the
 * way the journal builds them (HashChain.append, a seal record every `sealEvery` records, ending
 * with a seal), plus the helpers a forger would use (re-hash the chain from some index on).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JournalRecord } from '../../../src/core/types.js';
import { HashChain, hashRecord, keyIdOf, sealRecord, type UnhashedRecord } from '../../../src/integrity/index.js';

export const GATEWAY = 'gw-ptb-01';
export const LAB = 'PTB';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function testKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A typical reading record (a DVM reading of a 10 V standard), without prevHash/hash. */
export function readingRecord(seq: number, time = 1_760_000_000_000 + seq * 1000): UnhashedRecord {
  return {
    seq,
    kind: 'reading',
    gateway: GATEWAY,
    lab: LAB,
    time,
    standard: 'TS-10V-0042',
    reading: {
      device: 'dvm-1',
      channel: 'dcv',
      quantity: 'voltage',
      value: 10.000_012_3 + ((seq * 7919) % 97) * 1e-8,
      unit: 'V',
      u: 1.2e-7,
      time,
      flags: seq % 17 === 0 ? ['settling'] : [],
      extra: { range: '10 V', nplc: 100 },
    },
  };
}

export function eventRecord(seq: number, time = 1_760_000_000_000 + seq * 1000): UnhashedRecord {
  return {
    seq,
    kind: 'event',
    gateway: GATEWAY,
    lab: LAB,
    time,
    event: { type: 'device_state', time, device: 'dvm-1', severity: 'info', message: 'connected' },
  };
}

/**
 * `n` data records (mostly readings, some events) from `startSeq`, with a seal after every
 * `sealEvery` data records and one at the end, all signed by `key`.
 */
export function buildExport(opts: { n: number; sealEvery: number; key: TestKey; startSeq?: number }): JournalRecord[] {
  const chain = new HashChain();
  const out: JournalRecord[] = [];
  let seq = opts.startSeq ?? 1;
  const seal = (): void => {
    const head = out[out.length - 1]!;
    out.push(chain.append(sealOf(seq++, head, opts.key)));
  };
  for (let i = 0; i < opts.n; i++) {
    out.push(chain.append(i % 11 === 5 ? eventRecord(seq++) : readingRecord(seq++)));
    if ((i + 1) % opts.sealEvery === 0) seal();
  }
  if (out[out.length - 1]!.kind !== 'seal') seal();
  return out;
}

/** The unhashed seal record at `seq` naming `head`, signed by `key`. */
export function sealOf(seq: number, head: Pick<JournalRecord, 'seq' | 'hash'>, key: TestKey): UnhashedRecord {
  const time = 1_760_000_000_000 + seq * 1000;
  return sealRecord({ seq, time, gateway: GATEWAY, lab: LAB, head, privateKey: key.privateKey });
}

/** Deep copy (records are plain JSON). */
export function clone(records: readonly JournalRecord[]): JournalRecord[] {
  return structuredClone(records) as JournalRecord[];
}

/** Recompute prevHash/hash from index `from` on, as a forger without the key would. */
export function rechain(records: JournalRecord[], from: number): JournalRecord[] {
  for (let i = Math.max(from, 0); i < records.length; i++) {
    const r = records[i]!;
    r.prevHash = i === 0 ? r.prevHash : records[i - 1]!.hash;
    r.hash = hashRecord(r);
  }
  return records;
}

/** Indices of seal records. */
export function sealIndices(records: readonly JournalRecord[]): number[] {
  return records.flatMap((r, i) => (r.kind === 'seal' ? [i] : []));
}
