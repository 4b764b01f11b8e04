/**
 * The pilot's Prometheus metrics, on a registry of its own: every accepted gateway's stream as the
 * receiver sees it, for the platform's alerting (a lab's gateway gone quiet, records missing,
 * rejections).
 *
 * Contract:
 * - Every name starts with `travelgate_pilot_`; per-gateway series carry `gateway` and `lab`.
 * - `update(states)` takes what `PilotView.gateways` gives (the store's state at scrape time);
 *   nothing is kept in sync between scrapes.
 * - The process itself is prom-client's default metrics under the same prefix.
 * - This module (and prom-client) is loaded on the first scrape (api/metrics.ts).
 */
import { Gauge, collectDefaultMetrics } from 'prom-client';
import { OwnRegistry } from '../metrics/own-registry.js';
import type { GatewayState } from './completeness.js';
import type { SeqRange } from './store/types.js';

type GatewayLabels = 'gateway' | 'lab';

const count = (ranges: readonly SeqRange[]) => ranges.reduce((n, r) => n + r.last - r.first + 1, 0);

export class PilotMetrics extends OwnRegistry {
  readonly #perGateway: { gauge: Gauge<GatewayLabels>; value: (s: GatewayState) => number | null }[] = [];
  readonly #rejected: Gauge<GatewayLabels | 'reason'>;
  readonly #ready: Gauge;

  constructor() {
    super();
    const registers = [this.registry];
    const perGateway = (name: string, help: string, value: (s: GatewayState) => number | null) =>
      this.#perGateway.push({ gauge: new Gauge({ name: `travelgate_pilot_${name}`, help, labelNames: ['gateway', 'lab'], registers }), value });
    perGateway('gateway_records', 'Records of the gateway kept by the receiver', (s) => s.records);
    perGateway('gateway_head_seq', 'The highest seq received from the gateway', (s) => s.head.seq);
    perGateway('gateway_verified_through_seq', 'Every record up to this seq is verified (hash, chain, seal)', (s) => s.verifiedThrough);
    perGateway('gateway_missing_records', 'Records below the head not received (and not named by a gap event)', (s) => count(s.missing));
    perGateway('gateway_gap_records', 'Records the gateway itself reported dropped (gap events)', (s) => count(s.gaps));
    perGateway('gateway_duplicates', 'Records received again and dropped on (gateway, seq)', (s) => s.duplicates);
    perGateway('gateway_lag_seconds', 'How far verification trails the newest record received', (s) => s.lagSeconds);
    perGateway('gateway_head_age_seconds', 'Seconds since the newest record arrived', (s) => s.head.ageSeconds);
    this.#rejected = new Gauge({
      name: 'travelgate_pilot_gateway_rejected_records',
      help: 'Records kept apart, by reason (bad hash, broken link, bad seal, ...)',
      labelNames: ['gateway', 'lab', 'reason'],
      registers,
    });
    this.#ready = new Gauge({ name: 'travelgate_pilot_ready', help: '1 while the receiver is connected and its store open', registers });
    collectDefaultMetrics({ register: this.registry, prefix: 'travelgate_pilot_' });
  }

  /** The streams as they stand now. */
  update(states: readonly GatewayState[], ready: boolean): void {
    this.#ready.set(ready ? 1 : 0);
    for (const { gauge, value } of this.#perGateway) {
      gauge.reset();
      for (const s of states) {
        const v = value(s);
        if (v !== null) gauge.set({ gateway: s.gateway, lab: s.lab }, v);
      }
    }
    this.#rejected.reset();
    for (const s of states) {
      for (const [reason, n] of Object.entries(s.rejected.byReason)) this.#rejected.set({ gateway: s.gateway, lab: s.lab, reason }, n ?? 0);
    }
  }
}
