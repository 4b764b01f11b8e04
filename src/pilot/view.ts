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
 * - Results read only verified data (store: records pinned by a seal and at or below
 *   verifiedThrough, readings the gateway marked verified). The unfiltered computation is cached
 *   for `cacheMs` (default 2 s).
 */
import type { PilotConfig, PilotStandard } from './config.js';
import { comparisonResults, declarationsOf, type ComparisonResults } from './analysis/results.js';
import { ROUTE_EVENT_TYPES, routeOf, type Route } from './analysis/route.js';
import { timelineOf, type Timeline } from './analysis/timeline.js';
import { gatewayStates, type GatewayState } from './completeness.js';
import type { PilotStore, StoredRejected } from './store/types.js';

export type Scope = { role: 'pilot'; name: string } | { role: 'lab'; name: string; lab: string };

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

  standard(id: string | undefined): PilotStandard | undefined {
    const list = this.config.comparison.standards;
    return id === undefined ? list[0] : list.find((s) => s.id === id);
  }

  async gateways(scope: Scope): Promise<GatewayState[]> {
    return gatewayStates(this.config, this.store, this.now(), this.labsOf(scope));
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

