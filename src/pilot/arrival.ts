/**
 * The checks a record gets the moment it arrives, before any store: everything that can be
 * decided from the record alone.
 *
 * Contract — `checkMessage(topic, payload)` returns, for every element of the message (an array
 * on the records topic, or one object), either an Arrival or a RejectedRow, in this order of tests:
 *  1. `malformed`: not JSON, not an object, or without the fields of a journal record;
 *  2. `unknown_gateway`: a gateway the configuration does not list;
 *  3. `wrong_lab`: the record's lab, or the topic's lab level, is not the gateway's lab;
 *  4. `wrong_hash`: `hash` is not the SHA-256 of the record's canonical form (integrity/canonical);
 *  5. for a seal: `bad_seal` (malformed, a head not before the seal, or a signature that does not
 *     verify) or `unknown_key` (a key id that is not one of this gateway's configured keys).
 * What needs other records (the link to seq − 1, the seal's head, duplicates, completeness) is the
 * verifier's job (verify/chain.ts). A status message (no seq and no hash) is not a record: skipped.
 * Nothing here throws on data.
 */
import type { KeyObject } from 'node:crypto';
import { acquisitionOf } from '../core/records.js';
import type { JournalRecord } from '../core/types.js';
import { canonicalRecord, digestOf, recordJson, sha256Hex } from '../integrity/canonical.js';
import { keyIdOf, loadPublicKey, readSeal, verifySeal } from '../integrity/seal.js';
import type { PilotConfig } from './config.js';
import type { Arrival, EventRow, ReadingRow, RejectCode, RejectedRow } from './types.js';

export interface KnownGateway {
  lab: string;
  /** Trusted keys by keyId. */
  keys: Map<string, KeyObject>;
}

/** The gateways a configuration accepts, with their keys loaded. */
export function knownGateways(config: PilotConfig): Map<string, KnownGateway> {
  const out = new Map<string, KnownGateway>();
  for (const g of config.gateways) {
    const keys = new Map<string, KeyObject>();
    for (const file of g.publicKeys) {
      const key = loadPublicKey(file);
      keys.set(keyIdOf(key), key);
    }
    out.set(g.id, { lab: g.lab, keys });
  }
  return out;
}

const KINDS = new Set(['acquisition', 'reading', 'event', 'seal']);
const HEX64 = /^[0-9a-f]{64}$/;

export type Checked = { ok: true; arrival: Arrival } | { ok: false; rejected: RejectedRow };

export class ArrivalChecker {
  constructor(
    private readonly gateways: ReadonlyMap<string, KnownGateway>,
    /** `{prefix}/{comparison}/`: the lab level follows it. */
    private readonly topicBase: string,
  ) {}

  /** The lab level of a records topic, or undefined for a topic outside the comparison. */
  labOf(topic: string): string | undefined {
    if (!topic.startsWith(this.topicBase)) return undefined;
    const rest = topic.slice(this.topicBase.length).split('/');
    return rest.length === 2 ? rest[0] : undefined;
  }

  checkMessage(topic: string, payload: string, receivedAt: number): Checked[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      return [reject(null, 'malformed', `not JSON: ${(err as Error).message}`, payload, receivedAt)];
    }
    const topicLab = this.labOf(topic) ?? null;
    const elements = Array.isArray(parsed) ? parsed : [parsed];
    const out: Checked[] = [];
    for (const element of elements) {
      if (isObject(element) && element.seq === undefined && element.hash === undefined) continue; // a status message
      out.push(this.check(element, topicLab, receivedAt));
    }
    return out;
  }

  check(value: unknown, topicLab: string | null, receivedAt: number): Checked {
    const problem = shapeProblem(value);
    if (problem) return reject(value, 'malformed', `malformed record: ${problem}`, undefined, receivedAt);
    const r = value as JournalRecord & Record<string, unknown>;
    const gw = this.gateways.get(r.gateway);
    if (!gw) return reject(r, 'unknown_gateway', `gateway "${r.gateway}" is not one this comparison accepts`, undefined, receivedAt);
    if (r.lab !== gw.lab) return reject(r, 'wrong_lab', `record says lab "${r.lab}", gateway "${r.gateway}" belongs to "${gw.lab}"`, undefined, receivedAt);
    if (topicLab !== null && topicLab !== gw.lab) {
      return reject(r, 'wrong_lab', `published on the topic of lab "${topicLab}", gateway "${r.gateway}" belongs to "${gw.lab}"`, undefined, receivedAt);
    }
    let body: string;
    try {
      body = canonicalRecord(r);
    } catch (err) {
      return reject(r, 'malformed', `record has no canonical form: ${(err as Error).message}`, undefined, receivedAt);
    }
    if (digestOf(body).toString('hex') !== r.hash) {
      return reject(r, 'wrong_hash', 'record hash does not match its content: altered or forged', undefined, receivedAt);
    }
    let headSeq: number | null = null;
    let headHash: string | null = null;
    if (r.kind === 'seal') {
      const seal = readSeal(r);
      if ('error' in seal) return reject(r, 'bad_seal', `malformed seal: ${seal.error}`, undefined, receivedAt);
      const key = gw.keys.get(seal.keyId);
      if (!key) return reject(r, 'unknown_key', `seal signed by key ${seal.keyId}, which is not a key of gateway "${r.gateway}"`, undefined, receivedAt);
      if (seal.headSeq >= r.seq) return reject(r, 'bad_seal', `seal names seq ${seal.headSeq}, which is not before the seal`, undefined, receivedAt);
      if (!verifySeal(r.gateway, seal, key)) return reject(r, 'bad_seal', `seal signature does not verify with key ${seal.keyId}: altered or forged`, undefined, receivedAt);
      headSeq = seal.headSeq;
      headHash = seal.headHash;
    }
    const arrival: Arrival = {
      gateway: r.gateway,
      seq: r.seq,
      kind: r.kind,
      time: r.time,
      hash: r.hash,
      prevHash: r.prevHash,
      headSeq,
      headHash,
      body: recordJson(body, r.hash),
      readings: readingRows(r),
      event: eventRow(r),
    };
    return { ok: true, arrival };
  }
}

/** The readings of travelling standards in a record: channels the gateway's checks judged as a
 *  standard's measurand (they carry `standard` and `verified`) with a finite value. */
export function readingRows(r: JournalRecord): ReadingRow[] {
  const acq = acquisitionOf(r);
  if (!acq) return [];
  const out: ReadingRow[] = [];
  for (const c of Object.values(acq.channels)) {
    if (typeof c.standard !== 'string' || typeof c.verified !== 'boolean' || typeof c.value !== 'number' || !Number.isFinite(c.value)) continue;
    const corrected = c.verdicts?.find((v) => v.check === 'correction' && v.result === 'info' && typeof v.value === 'number');
    out.push({
      gateway: r.gateway,
      seq: r.seq,
      lab: r.lab,
      standard: c.standard,
      time: acq.time,
      value: corrected?.value ?? c.value,
      u: typeof c.u === 'number' && Number.isFinite(c.u) ? c.u : null,
      unit: c.unit,
      verified: c.verified,
    });
  }
  return out;
}

export function eventRow(r: JournalRecord): EventRow | null {
  if (r.kind !== 'event') return null;
  const e = r.event;
  return {
    gateway: r.gateway,
    seq: r.seq,
    lab: r.lab,
    time: typeof e.time === 'number' ? e.time : r.time,
    type: String(e.type),
    standard: typeof e.standard === 'string' ? e.standard : typeof r.standard === 'string' ? r.standard : null,
    severity: String(e.severity),
    message: String(e.message ?? ''),
    data: JSON.stringify(e.data ?? null),
  };
}

function reject(value: unknown, code: RejectCode, reason: string, raw: string | undefined, receivedAt: number): Checked {
  const o = isObject(value) ? value : {};
  let body = raw ?? '';
  try {
    if (raw === undefined) body = JSON.stringify(value) ?? '';
  } catch {
    body = String(value);
  }
  const rejected: RejectedRow = {
    gateway: typeof o.gateway === 'string' ? o.gateway : null,
    seq: Number.isSafeInteger(o.seq) ? (o.seq as number) : null,
    lab: typeof o.lab === 'string' ? o.lab : null,
    code,
    reason,
    hash: typeof o.hash === 'string' ? o.hash : null,
    digest: sha256Hex(body),
    body: body.length > 1_000_000 ? body.slice(0, 1_000_000) : body,
    receivedAt,
  };
  return { ok: false, rejected };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shapeProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a JSON object';
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 1) return 'seq is not a positive integer';
  if (typeof v.kind !== 'string' || !KINDS.has(v.kind)) return 'kind is not acquisition, event or seal';
  if (v.v !== undefined && v.v !== 2) return `format version ${String(v.v)} is not 1 or 2`;
  if (typeof v.gateway !== 'string' || typeof v.lab !== 'string') return 'gateway or lab is not a string';
  if (typeof v.time !== 'number' || !Number.isFinite(v.time)) return 'time is not a number';
  if (typeof v.prevHash !== 'string' || (v.prevHash !== '' && !HEX64.test(v.prevHash))) return 'prevHash is not a SHA-256 hex digest';
  if (typeof v.hash !== 'string' || !HEX64.test(v.hash)) return 'hash is not a SHA-256 hex digest';
  if (v.kind === 'acquisition' && (typeof v.device !== 'string' || !isObject(v.channels))) return 'an acquisition without a device or channels';
  if (v.kind === 'reading' && !isObject(v.reading)) return 'a reading record without a reading';
  if ((v.kind === 'event' || v.kind === 'seal') && !isObject(v.event)) return `a record of kind ${v.kind} without an event`;
  return undefined;
}
