/**
 * Each gateway's completeness and integrity as the API shows it (`GET /api/v1/comparison/gateways`),
 * from the store's shared state. Three queries for all gateways together, not a few per gateway.
 *
 * - `verifiedThrough`: every seq up to it is present and proven (verify/advance.ts).
 * - `missing`: seq ranges above verifiedThrough not received yet (up to the highest received), minus
 *   the ranges the gateway itself declared lost in `gap` events whose record is proven;
 *   `gaps`: those declared ranges.
 * - `rejected`: how many records were kept apart, with the count per reason.
 * - `lagSeconds`: the age of the oldest record received and not verified yet (0 when everything
 *   received is verified); `head`: the highest seq received, its time and its age.
 */
import type { PilotConfig } from './config.js';
import type { PilotStore, SeqRange } from './store/types.js';
import type { RejectCode } from './types.js';

export interface GatewayState {
  gateway: string;
  lab: string;
  records: number;
  verifiedThrough: number;
  missing: SeqRange[];
  gaps: SeqRange[];
  rejected: { count: number; byReason: Partial<Record<RejectCode, number>> };
  duplicates: number;
  lagSeconds: number;
  head: { seq: number; time: string | null; receivedAt: string | null; ageSeconds: number | null };
  status: { state: string; time: string } | null;
}

export async function gatewayStates(config: PilotConfig, store: PilotStore, now: number, labs?: readonly string[]): Promise<GatewayState[]> {
  const configured = new Map(config.gateways.map((g) => [g.id, g.lab]));
  const progress = (await store.progress()).filter((p) => configured.has(p.gateway) && (!labs || labs.includes(p.lab)));
  const [counts, statuses, gapEvents, completeness] = await Promise.all([
    store.rejectedCounts(),
    store.statuses(),
    store.verifiedEvents(['gap'], labs, { beyondVerified: true }),
    store.completeness(progress.map((p) => ({ gateway: p.gateway, above: p.verifiedThrough }))),
  ]);
  return progress.map((p) => {
    const byReason: Partial<Record<RejectCode, number>> = {};
    let count = 0;
    for (const c of counts) {
      if (c.gateway !== p.gateway) continue;
      byReason[c.code] = (byReason[c.code] ?? 0) + c.count;
      count += c.count;
    }
    const gaps = mergeRanges(gapEvents.filter((e) => e.gateway === p.gateway).flatMap((e) => gapRange(e.data)));
    const c = completeness.get(p.gateway);
    const status = statuses.find((s) => s.gateway === p.gateway);
    return {
      gateway: p.gateway,
      lab: p.lab,
      records: p.records,
      verifiedThrough: p.verifiedThrough,
      missing: subtractRanges(c?.missing ?? [], gaps),
      gaps,
      rejected: { count, byReason },
      duplicates: p.duplicates,
      lagSeconds: c?.oldest == null ? 0 : Math.max(0, (now - c.oldest) / 1000),
      head: {
        seq: p.headSeq,
        time: iso(p.headTime),
        receivedAt: iso(p.headReceivedAt),
        ageSeconds: p.headTime === null ? null : Math.max(0, (now - p.headTime) / 1000),
      },
      status: status ? { state: status.state, time: new Date(status.time).toISOString() } : null,
    };
  });
}

/** The range of a `gap` event's data (`{ firstSeq, lastSeq }`), if it has one. */
function gapRange(data: string): SeqRange[] {
  try {
    const d = JSON.parse(data) as { firstSeq?: unknown; lastSeq?: unknown };
    const first = d.firstSeq;
    const last = d.lastSeq;
    return Number.isSafeInteger(first) && Number.isSafeInteger(last) && (first as number) <= (last as number) ? [{ first: first as number, last: last as number }] : [];
  } catch {
    return [];
  }
}

/** Sorted, overlapping or adjacent ranges joined. */
export function mergeRanges(ranges: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.first - b.first)) {
    const last = out[out.length - 1];
    if (last && r.first <= last.last + 1) last.last = Math.max(last.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

/** What of `ranges` the (merged, sorted) `minus` ranges do not cover. */
export function subtractRanges(ranges: readonly SeqRange[], minus: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of ranges) {
    let first = r.first;
    for (const m of minus) {
      if (m.last < first || m.first > r.last) continue;
      if (m.first > first) out.push({ first, last: m.first - 1 });
      first = Math.max(first, m.last + 1);
    }
    if (first <= r.last) out.push({ first, last: r.last });
  }
  return out;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
