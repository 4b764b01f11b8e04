/**
 * Moving each gateway's verifiedThrough V, for every gateway of a batch at once.
 *
 * V moves to V + 1 when that record is pinned (proven by a seal through an unbroken chain), or is
 * a seal right after V that names V with V's hash (the end of a journal, which no later seal
 * covers yet: it is pinned on the way), or lies inside a range the gateway declared lost in a
 * `gap` event that is itself pinned (then V jumps to the gap's last seq, and the hash of the
 * record at V is unknown: ''). A record stored inside such a gap but never pinned is passed over
 * and never counted.
 *
 * What the batch already knows (the records it pinned, every unpinned record above V) is used
 * first; what it does not know (a record pinned by an earlier batch, the end of the pinned run that
 * starts there, whether a gap's event is pinned) is asked of the store for every gateway in one
 * `probe` per round, so a batch that touches hundreds of gateways costs a few round trips, not
 * one per gateway.
 */
import type { Probe, StoreTx } from '../store/types.js';
import { keyOf, type ChainRow, type GapRange, type Progress } from '../types.js';

/** One gateway's state while a batch is applied. */
export interface GatewayWork {
  p: Progress;
  /** Stored, not pinned, above verifiedThrough. */
  unpinned: Map<number, ChainRow>;
  /** Pinned by this batch. */
  pinned: Map<number, ChainRow>;
  /** Answers of the store about seqs the batch did not know; null: nothing stored there. */
  facts: Map<number, Probe | null>;
  added: number;
  removed: number;
  /** The pinned chain contradicts the verified record at V: V stays until someone looks. */
  blocked: boolean;
}

export function newWork(p: Progress): GatewayWork {
  return { p, unpinned: new Map(), pinned: new Map(), facts: new Map(), added: 0, removed: 0, blocked: false };
}

export async function advanceAll(tx: StoreTx, works: Iterable<GatewayWork>): Promise<void> {
  let pending = [...works].filter((w) => !w.blocked);
  while (pending.length > 0) {
    const asks: { w: GatewayWork; seq: number }[] = [];
    for (const w of pending) {
      const seq = advanceKnown(w);
      if (seq !== undefined) asks.push({ w, seq });
    }
    if (asks.length === 0) return;
    const answers = await tx.probe(asks.map((a) => ({ gateway: a.w.p.gateway, seq: a.seq })));
    for (const a of asks) a.w.facts.set(a.seq, answers.get(keyOf(a.w.p.gateway, a.seq)) ?? null);
    pending = asks.map((a) => a.w);
  }
}

/** Moves V as far as the batch knows; returns the seq it needs the store's answer about, if any. */
function advanceKnown(w: GatewayWork): number | undefined {
  const p = w.p;
  for (;;) {
    const next = p.verifiedThrough + 1;
    const mine = w.pinned.get(next);
    if (mine) {
      moveTo(p, next, mine.hash);
      continue;
    }
    const waiting = w.unpinned.get(next);
    if (waiting && isClosingSeal(waiting, p)) {
      w.unpinned.delete(next);
      w.pinned.set(next, waiting);
      moveTo(p, next, waiting.hash);
      continue;
    }
    if (!waiting && next <= p.headSeq) {
      if (!w.facts.has(next)) return next;
      const fact = w.facts.get(next);
      if (fact?.pinned && fact.runEnd) {
        moveTo(p, fact.runEnd.seq, fact.runEnd.hash);
        continue;
      }
    }
    const gap = gapAt(p.gaps, next);
    if (!gap) return undefined;
    const event = w.pinned.has(gap.seq) ? true : w.unpinned.has(gap.seq) ? false : w.facts.has(gap.seq) ? w.facts.get(gap.seq)?.pinned === true : undefined;
    if (event === undefined) return gap.seq;
    if (!event) return undefined;
    moveTo(p, gap.last, ''); // the record before the next one was deleted at the gateway: its hash is unknown
  }
}

function moveTo(p: Progress, seq: number, hash: string): void {
  p.verifiedThrough = seq;
  p.verifiedHash = hash;
}

/** A seal right after V naming V with V's hash, linked to V. */
function isClosingSeal(row: ChainRow, p: Progress): boolean {
  return row.kind === 'seal' && p.verifiedHash !== '' && row.headSeq === p.verifiedThrough && row.headHash === p.verifiedHash && row.prevHash === p.verifiedHash;
}

/** A declared gap covering `seq` whose event comes after it (a gap event names earlier records). */
function gapAt(gaps: readonly GapRange[], seq: number): GapRange | undefined {
  return gaps.find((g) => g.first <= seq && seq <= g.last && g.seq > g.last);
}
