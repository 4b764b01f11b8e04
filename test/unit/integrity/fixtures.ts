/**
 * Test fixtures for the integrity library: realistic acquisition records (format version 2) and
 * version 1 reading records (travelgate 0.1, as a migrated journal still holds them), sealed
 * exports built the way the journal builds them (HashChain.append, a seal record every `sealEvery`
 * records, ending with a seal), plus the helpers a forger would use (re-hash the chain from some
 * index on).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AcquisitionRecord, EventRecord, JournalRecord, LegacyReadingRecord } from '../../../src/core/types.js';
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

/** A typical acquisition record (a DVM reading of a 10 V standard and its internal temperature),
 *  without prevHash/hash. */
export function readingRecord(seq: number, time = 1_760_000_000_000 + seq * 1000): UnhashedRecord {
  return {
    v: 2,
    seq,
    kind: 'acquisition',
    gateway: GATEWAY,
    lab: LAB,
    time,
    clock: 'yes',
    device: 'dvm-1',
    channels: {
      dcv: {
        quantity: 'voltage',
        value: 10.000_012_3 + ((seq * 7919) % 97) * 1e-8,
        unit: 'V',
        u: 1.2e-7,
        ...(seq % 17 === 0 ? { flags: ['settling' as const] } : {}),
        extra: { range: '10 V', nplc: 100 },
        standard: 'TS-10V-0042',
        verified: seq % 17 !== 0,
        verdicts: [{ check: 'prediction', result: 'pass', value: 0.42 }],
      },
      temp: { quantity: 'temperature', value: 31.25, unit: '°C' },
    },
  };
}

/** A version 1 reading record (travelgate 0.1), without prevHash/hash. */
export function legacyReadingRecord(seq: number, time = 1_760_000_000_000 + seq * 1000): UnhashedRecord {
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
    v: 2,
    seq,
    kind: 'event',
    gateway: GATEWAY,
    lab: LAB,
    time,
    clock: 'yes',
    event: { type: 'device_state', time, device: 'dvm-1', severity: 'info', message: 'connected' },
  };
}

/** A version 1 event record: no `v` (the types only know version 2 events, hence the cast). */
export function legacyEventRecord(seq: number, time = 1_760_000_000_000 + seq * 1000): UnhashedRecord {
  const { v: _v, ...v1 } = eventRecord(seq, time) as Omit<EventRecord, 'prevHash' | 'hash'>;
  return v1 as unknown as UnhashedRecord;
}

/**
 * `n` data records (mostly acquisitions, some events) from `startSeq`, with a seal after every
 * `sealEvery` data records and one at the end, all signed by `key`. The first `legacy` data
 * records (default none) and the seals among them are in version 1 form, as a journal migrated from
 * travelgate 0.1 holds them; the rest is version 2: one chain across both.
 */
export function buildExport(opts: { n: number; sealEvery: number; key: TestKey; startSeq?: number; legacy?: number }): JournalRecord[] {
  const chain = new HashChain();
  const out: JournalRecord[] = [];
  let seq = opts.startSeq ?? 1;
  const legacy = opts.legacy ?? 0;
  const seal = (v1: boolean): void => {
    const head = out[out.length - 1]!;
    out.push(chain.append(v1 ? legacySealOf(seq++, head, opts.key) : sealOf(seq++, head, opts.key)));
  };
  for (let i = 0; i < opts.n; i++) {
    const v1 = i < legacy;
    const s = seq++;
    out.push(chain.append(i % 11 === 5 ? (v1 ? legacyEventRecord(s) : eventRecord(s)) : v1 ? legacyReadingRecord(s) : readingRecord(s)));
    if ((i + 1) % opts.sealEvery === 0) seal(v1);
  }
  if (out[out.length - 1]!.kind !== 'seal') seal(opts.n <= legacy);
  return out;
}

/** The unhashed seal record at `seq` naming `head`, signed by `key`. */
export function sealOf(seq: number, head: Pick<JournalRecord, 'seq' | 'hash'>, key: TestKey): UnhashedRecord {
  const time = 1_760_000_000_000 + seq * 1000;
  return sealRecord({ seq, time, gateway: GATEWAY, lab: LAB, head, privateKey: key.privateKey, clock: 'yes' });
}

/** The same seal in version 1 form (no `v`; travelgate 0.1 stamped `clock` on every record). */
export function legacySealOf(seq: number, head: Pick<JournalRecord, 'seq' | 'hash'>, key: TestKey): UnhashedRecord {
  const { v: _v, ...v1 } = sealOf(seq, head, key) as Omit<EventRecord, 'prevHash' | 'hash'>;
  return v1 as unknown as UnhashedRecord;
}

/** Data records: version 2 acquisitions and version 1 readings (not events, not seals). */
export function isData(r: JournalRecord): r is AcquisitionRecord | LegacyReadingRecord {
  return r.kind === 'acquisition' || r.kind === 'reading';
}

/** The measured value a data record carries: the `dcv` channel, or a version 1 reading's value. */
export function valueOf(r: JournalRecord): number | null {
  if (r.kind === 'acquisition') return r.channels.dcv!.value;
  if (r.kind === 'reading') return r.reading.value;
  throw new Error(`seq ${r.seq} (${r.kind}) carries no value`);
}

/** Set that value (on any record shape, hashed or not). */
export function setValue(r: JournalRecord | UnhashedRecord, value: number | null): void {
  if (r.kind === 'acquisition') r.channels.dcv!.value = value;
  else if (r.kind === 'reading') r.reading.value = value;
  else throw new Error(`seq ${r.seq} (${r.kind}) carries no value`);
}

/** The event of an event or seal record (a test failure for any other kind). */
export function eventOf(r: JournalRecord): EventRecord['event'] {
  if (r.kind !== 'event' && r.kind !== 'seal') throw new Error(`seq ${r.seq} (${r.kind}) has no event`);
  return r.event;
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
