/**
 * What the pilot's API shows, per caller: the store's state and the analysis on top of it.
 *
 * Contract (blindness):
 * - A scope is the pilot's (sees everything) or one lab's. A lab sees only its own gateways,
 *   records kept apart from them, its own lifecycle and transport legs, its own readings and its
 *   own result. It sees the reference value and the degrees of equivalence only once
 *   `comparison.released` is true, and never another lab's readings.
 * - The reference value is always computed from every lab's complete result (then filtered), so a
 *   lab's figures are the same whoever asks.
 * - Results read only verified data (store: seq ≤ verifiedThrough, readings the gateway marked
 *   verified). The unfiltered computation is cached for `cacheMs` (default 2 s).
 */
import type { PilotConfig, PilotStandard } from './config.js';
import { comparisonResults, declarationsOf, type ComparisonResults } from './analysis/results.js';
import { ROUTE_EVENT_TYPES, routeOf, type Route } from './analysis/route.js';
import { timelineOf, type Timeline } from './analysis/timeline.js';
import type { PilotStore, StoredRejected } from './store/types.js';
import type { RejectCode } from './types.js';

export type Scope = { role: 'pilot'; name: string } | { role: 'lab'; name: string; lab: string };

export interface GatewayState {
  gateway: string;
  lab: string;
  records: number;
  verifiedThrough: number;
  /** Seq ranges above verifiedThrough not received yet. */
  missing: { first: number; last: number }[];
  /** Ranges the gateway itself declared lost (its `gap` events). */
  gaps: { first: number; last: number }[];
  rejected: { count: number; byReason: Partial<Record<RejectCode, number>> };
  duplicates: number;
  /** Age of the oldest received record not yet verified (0 when everything received is verified). */
  lagSeconds: number;
  head: { seq: number; time: string | null; receivedAt: string | null; ageSeconds: number | null };
  status: { state: string; time: string } | null;
}

export class PilotView {
  #cache = new Map<string, { at: number; value: ComparisonResults }>();

  constructor(
    readonly config: PilotConfig,
    readonly store: PilotStore,
    private readonly now: () => number = Date.now,
    private readonly cacheMs = 2000,
  ) {}

  labsOf(scope: Scope): string[] | undefined {
    return scope.role === 'pilot' ? undefined : [scope.lab];
  }

  seesEverything(scope: Scope): boolean {
    return scope.role === 'pilot';
  }

  standard(id: string | undefined): PilotStandard | undefined {
    const list = this.config.comparison.standards;
    return id === undefined ? list[0] : list.find((s) => s.id === id);
  }

  async gateways(scope: Scope): Promise<GatewayState[]> {
    const labs = this.labsOf(scope);
    const [progress, counts, statuses] = await Promise.all([this.store.progress(), this.store.rejectedCounts(), this.store.statuses()]);
    const configured = new Map(this.config.gateways.map((g) => [g.id, g.lab]));
    const now = this.now();
    const out: GatewayState[] = [];
    for (const p of progress) {
      if (!configured.has(p.gateway) || (labs && !labs.includes(p.lab))) continue;
      const byReason: Partial<Record<RejectCode, number>> = {};
      let count = 0;
      for (const c of counts) {
        if (c.gateway !== p.gateway) continue;
        byReason[c.code] = (byReason[c.code] ?? 0) + c.count;
        count += c.count;
      }
      const [missing, oldest] = await Promise.all([this.store.missing(p.gateway, p.verifiedThrough, p.headSeq), this.store.oldestAbove(p.gateway, p.verifiedThrough)]);
      const gaps = p.gaps.map((g) => ({ first: g.first, last: g.last }));
      const status = statuses.find((s) => s.gateway === p.gateway);
      out.push({
        gateway: p.gateway,
        lab: p.lab,
        records: p.records,
        verifiedThrough: p.verifiedThrough,
        missing: missing.filter((m) => !gaps.some((g) => g.first <= m.first && m.last <= g.last)),
        gaps,
        rejected: { count, byReason },
        duplicates: p.duplicates,
        lagSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000),
        head: {
          seq: p.headSeq,
          time: iso(p.headTime),
          receivedAt: iso(p.headReceivedAt),
          ageSeconds: p.headTime === null ? null : Math.max(0, (now - p.headTime) / 1000),
        },
        status: status ? { state: status.state, time: new Date(status.time).toISOString() } : null,
      });
    }
    return out;
  }

  async rejected(scope: Scope, limit: number): Promise<StoredRejected[]> {
    if (scope.role === 'pilot') return this.store.rejected({ limit });
    const mine = this.config.gateways.filter((g) => g.lab === scope.lab).map((g) => g.id);
    return this.store.rejected({ gateways: mine, limit });
  }

  async route(scope: Scope, std: PilotStandard): Promise<Route> {
    const labs = this.labsOf(scope);
    const events = await this.store.verifiedEvents(ROUTE_EVENT_TYPES, labs);
    return routeOf(std.id, labs ?? this.config.comparison.labs, events);
  }

  async timeline(scope: Scope, std: PilotStandard, maxPoints: number): Promise<Timeline> {
    const labs = this.labsOf(scope);
    const [readings, all] = await Promise.all([this.store.verifiedReadings(std.id, labs), this.#results(std)]);
    return timelineOf(std, this.config.comparison.pilot, labs ?? this.config.comparison.labs, readings, all.labs, all.k, maxPoints);
  }

  /** The results a scope may see. */
  async results(scope: Scope, std: PilotStandard): Promise<ComparisonResults> {
    const all = await this.#results(std);
    if (scope.role === 'pilot') return all;
    const released = this.config.comparison.released;
    return {
      ...all,
      labs: all.labs.filter((r) => r.lab === scope.lab),
      reference: released ? all.reference : undefined,
      equivalence: released ? all.equivalence : [],
    };
  }

  async #results(std: PilotStandard): Promise<ComparisonResults> {
    const cached = this.#cache.get(std.id);
    const now = this.now();
    if (cached && now - cached.at < this.cacheMs) return cached.value;
    const [readings, declared] = await Promise.all([this.store.verifiedReadings(std.id), this.store.verifiedEvents(['standard_declared'])]);
    const r = this.config.results;
    const value = comparisonResults(std, this.config.comparison.labs, readings, declarationsOf(declared), r.k, r.minReadings);
    this.#cache.set(std.id, { at: now, value });
    return value;
  }
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
