/**
 * Out-of-order verification of each gateway's hash chain, with its state in the store.
 *
 * Records arrive in any order, more than once, and some may be forged. The arrival checks
 * (arrival.ts) already proved each record's own hash and each seal's signature. What is left:
 *
 * - Duplicates: a record is stored once per (gateway, seq). Another copy with the same hash is a
 *   duplicate (counted, dropped); with a different hash it is kept apart as a `conflict`.
 * - Pinning: a valid seal of a trusted key states the hash of its head record. A stored record is
 *   *pinned* when its hash is the one the seal states or, walking down from there, the `prevHash`
 *   of the pinned record right after it. So a pinned record is proven by a signature through an
 *   unbroken chain; the walk runs when a seal arrives and resumes when a missing record arrives
 *   whose successor is pinned (or that a stored seal names). A stored record that disagrees with
 *   the pinned chain is not the gateway's: it is kept apart as `broken_link`, and a record kept
 *   apart earlier as a conflict at that seq with the expected hash takes its place (so a forgery
 *   that arrived before the real record cannot hold its place).
 * - verifiedThrough V: every seq up to V is pinned, or inside a gap the gateway declared in a
 *   pinned `gap` event (advance.ts). V never moves back.
 *
 * Every step reads and writes the store inside the caller's transaction, after `lockProgress`,
 * so the outcome is the same whichever receiver applies a record, in whatever order, however
 * often, and across restarts. Work per record is O(1) amortised: a walk stops at the first pinned
 * record, and a batch costs a fixed number of statements whatever the number of its gateways.
 */
import type { Key, StatusRow, StoreTx } from '../store/types.js';
import { keyOf, type Arrival, type ChainRow, type GapRange, type Progress, type RejectedRow } from '../types.js';
import { advanceAll, newWork, type GatewayWork } from './advance.js';

export interface BatchInput {
  arrivals: readonly Arrival[];
  rejected: readonly RejectedRow[];
  statuses?: readonly StatusRow[];
  now: number;
  /** Re-check a record kept apart (its JSON) before it takes a place in the chain. */
  recheck: (body: string) => Arrival | undefined;
}

export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  /** Everything kept apart by this batch (arrival failures, conflicts, broken links). */
  rejected: RejectedRow[];
  /** Gateways whose verifiedThrough moved, with the range it moved over. */
  advanced: { gateway: string; from: number; to: number }[];
}

export async function applyBatch(tx: StoreTx, input: BatchInput): Promise<BatchOutcome> {
  const rejected: RejectedRow[] = [...input.rejected];
  const outcome: BatchOutcome = { inserted: 0, duplicates: 0, rejected, advanced: [] };
  const gateways = [...new Set(input.arrivals.map((a) => a.gateway))].sort();
  const progress = gateways.length > 0 ? await tx.lockProgress(gateways) : new Map<string, Progress>();

  // 1. Store each record once; copies within the batch are sorted out before the database.
  const fresh = new Map<string, Arrival>();
  const later: Arrival[] = [];
  for (const a of input.arrivals) {
    if (!progress.has(a.gateway)) continue; // not configured any more: arrival checks rejected it
    const k = keyOf(a.gateway, a.seq);
    if (fresh.has(k)) later.push(a);
    else fresh.set(k, a);
  }
  const above = gateways.map((g) => ({ gateway: g, above: progress.get(g)!.verifiedThrough }));
  const { inserted: insertedKeys, unpinned } = await tx.insertRecords([...fresh.values()], above);
  const inserted = [...fresh.values()].filter((a) => insertedKeys.has(keyOf(a.gateway, a.seq)));
  outcome.inserted = inserted.length;
  const again = [...[...fresh.values()].filter((a) => !insertedKeys.has(keyOf(a.gateway, a.seq))), ...later];
  const stored = again.length > 0 ? await tx.hashesAt(again) : new Map<string, string>();
  const dupes = new Map<string, number>();
  for (const a of again) {
    const k = keyOf(a.gateway, a.seq);
    const hash = stored.get(k) ?? fresh.get(k)?.hash;
    if (hash === a.hash) {
      outcome.duplicates++;
      dupes.set(a.gateway, (dupes.get(a.gateway) ?? 0) + 1);
    } else {
      rejected.push(conflict(a, progress.get(a.gateway)!.lab, input.now));
    }
  }
  if (rejected.length > 0) await tx.insertRejected(rejected);

  // 2. Pin what the seals prove, walking down each chain from what is already known.
  const work = new Map<string, GatewayWork>();
  for (const g of gateways) {
    const p = progress.get(g)!;
    work.set(g, newWork(p));
  }
  for (const row of unpinned) work.get(row.gateway)?.unpinned.set(row.seq, row);
  const ctx: Ctx = { tx, input, rejected };
  const byGateway = groupBy(inserted, (a) => a.gateway);
  for (const [g, list] of byGateway) {
    const w = work.get(g)!;
    w.added += list.length;
    for (const a of list) {
      const gap = gapOf(a);
      if (gap && !w.p.gaps.some((x) => x.seq === gap.seq)) w.p.gaps.push(gap);
    }
    for (const a of list.filter((x) => x.headSeq !== null).sort((x, y) => y.seq - x.seq)) {
      if (a.headSeq! > w.p.verifiedThrough) await cascade(ctx, w, a.headSeq!, a.headHash!, `the seal at seq ${a.seq}`);
    }
  }
  // Records still unpinned whose successor was pinned before, or that an earlier seal names.
  const waiting = inserted.filter((a) => {
    const w = work.get(a.gateway)!;
    return a.seq > w.p.verifiedThrough && w.unpinned.has(a.seq);
  });
  if (waiting.length > 0) {
    const next = waiting.filter((a) => !work.get(a.gateway)!.unpinned.has(a.seq + 1)).map((a) => ({ gateway: a.gateway, seq: a.seq + 1 }));
    const near = await tx.neighbours(next, waiting);
    const successors = new Map(near.rows.map((r) => [keyOf(r.gateway, r.seq), r]));
    const seals = new Map(near.seals.map((s) => [keyOf(s.gateway, s.headSeq), s.headHash]));
    for (const a of [...waiting].sort((x, y) => y.seq - x.seq)) {
      const w = work.get(a.gateway)!;
      if (!w.unpinned.has(a.seq)) continue; // pinned by a walk from above meanwhile
      const succ = successors.get(keyOf(a.gateway, a.seq + 1));
      const named = seals.get(keyOf(a.gateway, a.seq));
      if (named !== undefined) await cascade(ctx, w, a.seq, named, `a seal naming seq ${a.seq}`);
      else if (succ?.pinned) await cascade(ctx, w, a.seq, succ.prevHash, `the prevHash of seq ${a.seq + 1}`);
    }
  }
  // 3. Move verifiedThrough (for every gateway at once), pin, then save each gateway's progress.
  for (const w of work.values()) {
    for (const a of byGateway.get(w.p.gateway) ?? []) {
      if (a.seq >= w.p.headSeq) {
        w.p.headSeq = a.seq;
        w.p.headTime = a.time;
        w.p.headReceivedAt = input.now;
      }
    }
  }
  const before = new Map([...work.values()].map((w) => [w.p.gateway, w.p.verifiedThrough]));
  await advanceAll(tx, work.values());
  const pins: Key[] = [];
  for (const w of work.values()) for (const seq of w.pinned.keys()) pins.push({ gateway: w.p.gateway, seq });
  for (const w of work.values()) {
    const from = before.get(w.p.gateway)!;
    if (w.p.verifiedThrough > from) outcome.advanced.push({ gateway: w.p.gateway, from: from + 1, to: w.p.verifiedThrough });
    w.p.records += w.added - w.removed;
    w.p.duplicates += dupes.get(w.p.gateway) ?? 0;
    w.p.updatedAt = input.now;
  }
  const statuses = input.statuses ?? [];
  if (work.size > 0 || statuses.length > 0) await tx.finish({ pins, progress: [...work.values()].map((w) => w.p), statuses });
  return outcome;
}

interface Ctx {
  tx: StoreTx;
  input: BatchInput;
  rejected: RejectedRow[];
}

/** Pin `seq` (it must have `expected` as hash) and walk down while the chain continues. */
async function cascade(ctx: Ctx, w: GatewayWork, seq: number, expected: string, source: string): Promise<void> {
  let s = seq;
  let want = expected;
  let by = source;
  while (s > w.p.verifiedThrough) {
    let row = w.unpinned.get(s);
    if (!row) return; // missing, or pinned already: the walk joins what is known
    if (row.hash !== want) {
      row = await replace(ctx, w, row, want, by);
      if (!row) return;
    }
    w.unpinned.delete(s);
    w.pinned.set(s, row);
    want = row.prevHash;
    by = `the prevHash of seq ${s}`;
    s -= 1;
  }
  const p = w.p;
  if (s === p.verifiedThrough && p.verifiedHash !== '' && want !== p.verifiedHash) {
    // The walk reached the verified record and the chain does not continue from it.
    w.blocked = true;
    const out: RejectedRow = {
      gateway: p.gateway,
      seq: s + 1,
      lab: p.lab,
      code: 'broken_link',
      reason: `the sealed chain does not continue from verified seq ${s}: ${by} states ${want.slice(0, 12)}…, seq ${s} has ${p.verifiedHash.slice(0, 12)}…; verification of this gateway stops here`,
      hash: null,
      digest: `contradiction:${p.gateway}:${s}:${want}`,
      body: '',
      receivedAt: ctx.input.now,
    };
    ctx.rejected.push(out);
    await ctx.tx.insertRejected([out]);
  }
}

/** A stored record the pinned chain disagrees with: keep it apart, and put the conflict record
 *  with the expected hash in its place when one was kept apart before. */
async function replace(ctx: Ctx, w: GatewayWork, row: ChainRow, want: string, by: string): Promise<ChainRow | undefined> {
  const { tx, input } = ctx;
  const key = { gateway: row.gateway, seq: row.seq };
  const body = (await tx.removeRecords([key])).get(keyOf(row.gateway, row.seq));
  w.unpinned.delete(row.seq);
  w.removed++;
  const out: RejectedRow = {
    gateway: row.gateway,
    seq: row.seq,
    lab: w.p.lab,
    code: 'broken_link',
    reason: `not the gateway's record: ${by} states hash ${want.slice(0, 12)}…, this record's is ${row.hash.slice(0, 12)}…`,
    hash: row.hash,
    digest: `broken_link:${row.gateway}:${row.seq}:${row.hash}`,
    body: body ?? '',
    receivedAt: input.now,
  };
  ctx.rejected.push(out);
  await tx.insertRejected([out]);
  const candidate = await tx.conflictCandidate(row.gateway, row.seq, want);
  const arrival = candidate ? input.recheck(candidate.body) : undefined;
  if (!candidate || !arrival || arrival.hash !== want) return undefined;
  await tx.deleteRejected([candidate.digest]);
  await tx.insertRecords([arrival]);
  w.added++;
  return { gateway: arrival.gateway, seq: arrival.seq, kind: arrival.kind, time: arrival.time, hash: arrival.hash, prevHash: arrival.prevHash, headSeq: arrival.headSeq, headHash: arrival.headHash, pinned: false };
}

function gapOf(a: Arrival): GapRange | undefined {
  if (a.event?.type !== 'gap') return undefined;
  try {
    const d = JSON.parse(a.event.data) as { firstSeq?: unknown; lastSeq?: unknown };
    if (Number.isSafeInteger(d.firstSeq) && Number.isSafeInteger(d.lastSeq) && (d.firstSeq as number) <= (d.lastSeq as number)) {
      return { first: d.firstSeq as number, last: d.lastSeq as number, seq: a.seq };
    }
  } catch {
    // not a gap we can use
  }
  return undefined;
}

function conflict(a: Arrival, lab: string, now: number): RejectedRow {
  return {
    gateway: a.gateway,
    seq: a.seq,
    lab,
    code: 'conflict',
    reason: `a second, different record for seq ${a.seq} (the one received first holds the place until a seal decides)`,
    hash: a.hash,
    digest: `conflict:${a.gateway}:${a.seq}:${a.hash}`,
    body: a.body,
    receivedAt: now,
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
