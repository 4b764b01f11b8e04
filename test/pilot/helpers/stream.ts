/**
 * A light record generator for the pilot's tests and benchmark: a gateway's hash chain made with
 * the journal's own code (HashChain, sealRecord), a real Ed25519 key, acquisitions of one standard
 * and events. Each record comes with its JSON exactly as the gateway forwards it.
 */
import type { KeyObject } from 'node:crypto';
import type { GatewayEvent, JournalRecord } from '../../../src/core/types.js';
import { recordJson } from '../../../src/integrity/canonical.js';
import { HashChain, type UnhashedRecord } from '../../../src/integrity/chain.js';
import { sealRecord } from '../../../src/integrity/seal.js';

export interface Made {
  record: JournalRecord;
  json: string;
}

export class StreamGen {
  readonly chain = new HashChain();
  seq = 0;

  constructor(
    readonly gateway: string,
    readonly lab: string,
    readonly key: KeyObject,
    readonly standard = 'Z1',
  ) {}

  #link(r: UnhashedRecord): Made {
    const linked = this.chain.link(r);
    return { record: linked.record, json: recordJson(linked.body, linked.record.hash) };
  }

  acquisition(time: number, value: number, options: { verified?: boolean; u?: number } = {}): Made {
    return this.#link({
      v: 2,
      seq: ++this.seq,
      kind: 'acquisition',
      gateway: this.gateway,
      lab: this.lab,
      time,
      clock: 'yes',
      device: 'dmm',
      channels: {
        dcv: { quantity: 'voltage', value, unit: 'V', u: options.u ?? 5e-8, standard: this.standard, verified: options.verified ?? true, verdicts: [{ check: 'lifecycle', result: 'info', detail: 'measuring' }] },
      },
    } as UnhashedRecord);
  }

  event(time: number, e: Omit<GatewayEvent, 'time'>): Made {
    return this.#link({ v: 2, seq: ++this.seq, kind: 'event', gateway: this.gateway, lab: this.lab, time, clock: 'yes', event: { ...e, time } } as UnhashedRecord);
  }

  /** A seal naming the last record (as the gateway's sealer makes it). */
  seal(time: number): Made {
    const head = { seq: this.seq, hash: this.chain.head };
    return this.#link(sealRecord({ seq: ++this.seq, time, gateway: this.gateway, lab: this.lab, head, privateKey: this.key, clock: 'yes' }) as UnhashedRecord);
  }

  /** `n` acquisitions one second apart from `t0`, a seal after every `sealEvery`, ending with a seal. */
  run(n: number, t0: number, sealEvery: number, value: (i: number) => number = () => 10): Made[] {
    const out: Made[] = [];
    for (let i = 0; i < n; i++) {
      out.push(this.acquisition(t0 + i * 1000, value(i)));
      if ((i + 1) % sealEvery === 0 || i === n - 1) out.push(this.seal(t0 + i * 1000 + 1));
    }
    return out;
  }
}

/** A deterministic shuffle (mulberry32), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
