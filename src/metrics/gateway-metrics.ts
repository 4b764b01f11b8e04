/**
 * The gateway's Prometheus metrics, on a registry of its own (never prom-client's global default
 * registry: two gateways in one process, as in the tests, must not share counters).
 *
 * Contract:
 * - Every name starts with `travelgate_`.
 * - Counters of what flowed (readings by device and quality, flags, check verdicts, events) are
 *   read at scrape time from FlowCounters (flow-counters.ts), which the API feeds from the
 *   journal's commit listener: they count *committed* records since this process started.
 * - Everything that is state (devices, links, errors by code, the journal, sink backlogs,
 *   event-loop lag) is read from the live view at scrape time, so a scrape shows the truth of
 *   that moment and nothing has to be kept in sync.
 * - The process itself (CPU, memory, heap, event-loop lag, handles, GC) is prom-client's default
 *   metrics, under the same prefix; the event-loop monitor starts with the registry.
 * - This module (and prom-client) is loaded on the first scrape: a gateway nobody scrapes never
 *   pays for them (src/api/metrics.ts).
 * - `close()` stops the default metrics' event-loop monitor; the registry can still be read.
 */
import { Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import { OwnRegistry } from './own-registry.js';
import type { GatewayView } from '../api/view.js';
import type { FlowCounters, NestedCounts } from './flow-counters.js';

export interface GatewayMetricsOptions {
  /** Wall clock for lag figures (default Date.now). */
  now?: () => number;
}

const DEVICE_STATES = ['connecting', 'connected', 'paused', 'faulted', 'stopped'] as const;
const LINK_STATES = ['connecting', 'connected', 'down', 'closed'] as const;
const SINK_STATES = ['starting', 'idle', 'delivering', 'retrying', 'stopped'] as const;

export class GatewayMetrics extends OwnRegistry {
  readonly #view: GatewayView;
  readonly #now: () => number;

  constructor(view: GatewayView, flow: FlowCounters, options: GatewayMetricsOptions = {}) {
    super();
    this.#view = view;
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[], collect?: (c: Counter<L>) => void) =>
      new Counter<L>({ name: `travelgate_${name}`, help, labelNames, registers, ...(collect ? { collect() { collect(this); } } : {}) });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], collect: (g: Gauge<L>) => void) =>
      new Gauge<L>({ name: `travelgate_${name}`, help, labelNames, registers, collect() { collect(this); } });

    const flowCounter = <L extends string>(name: string, help: string, labelNames: L[], counts: NestedCounts) =>
      counter(name, help, labelNames, (c) => {
        c.reset();
        counts.each((keys, n) => c.inc(Object.fromEntries(labelNames.map((l, i) => [l, keys[i]])) as Partial<Record<L, string>>, n));
      });
    flowCounter('readings_total', 'Committed channel readings by device and quality (ok, flagged, no_value)', ['device', 'quality'], flow.readings);
    flowCounter('reading_flags_total', 'Quality flags on committed readings', ['device', 'flag'], flow.flags);
    flowCounter('check_verdicts_total', 'Check verdicts on committed readings', ['standard', 'check', 'result'], flow.verdicts);
    flowCounter('events_total', 'Committed journal events (alarms, transitions, ...)', ['type', 'severity'], flow.events);

    gauge('info', 'Always 1; the labels say which gateway this is', ['gateway', 'lab', 'version'], (g) => {
      const i = view.info();
      g.reset();
      g.set({ gateway: i.gateway, lab: i.lab, version: i.version }, 1);
    });
    gauge('ready', '1 while the journal is open and acquisition runs', [], (g) => g.set(view.isReady() ? 1 : 0));

    counter('errors_total', 'Acquisition errors by device and error code', ['device', 'code'], (c) => {
      c.reset();
      for (const d of view.devices()) for (const [code, n] of Object.entries(d.errorsByCode)) c.inc({ device: d.id, code }, n);
    });
    gauge('device_state', 'One series per device and state; 1 for the current state', ['device', 'state'], (g) => {
      g.reset();
      for (const d of view.devices()) for (const s of DEVICE_STATES) g.set({ device: d.id, state: s }, d.state === s ? 1 : 0);
    });
    gauge('device_last_reading_timestamp_seconds', 'Time of the last reading per device (UTC, Unix seconds)', ['device'], (g) => {
      g.reset();
      for (const d of view.devices()) if (d.lastReadingAt) g.set({ device: d.id }, Date.parse(d.lastReadingAt) / 1000);
    });
    gauge('device_identity_ok', '1 when the instrument reports the configured identity', ['device'], (g) => {
      g.reset();
      for (const d of view.devices()) g.set({ device: d.id }, d.identityMatches ? 1 : 0);
    });

    gauge('link_up', '1 while the link is connected', ['link', 'type'], (g) => {
      g.reset();
      for (const l of view.links()) g.set({ link: l.id, type: l.type }, l.state === 'connected' ? 1 : 0);
    });
    gauge('link_state', 'One series per link and state; 1 for the current state', ['link', 'state'], (g) => {
      g.reset();
      for (const l of view.links()) for (const s of LINK_STATES) g.set({ link: l.id, state: s }, l.state === s ? 1 : 0);
    });
    counter('link_reconnects_total', 'Times the link was reopened', ['link'], (c) => {
      c.reset();
      for (const l of view.links()) c.inc({ link: l.id }, l.reconnects);
    });

    const journalGauge = (name: string, help: string, pick: (s: ReturnType<NonNullable<ReturnType<GatewayView['journal']>>['stats']>) => number) =>
      gauge(name, help, [], (g) => {
        const stats = view.journal()?.stats();
        if (stats) g.set(pick(stats));
      });
    journalGauge('journal_size_bytes', 'Size of the journal file and its WAL', (s) => s.sizeBytes);
    journalGauge('journal_records', 'Records held in the journal', (s) => s.records);
    journalGauge('journal_last_seq', 'Sequence number of the last committed record', (s) => s.lastSeq);

    gauge('sink_pending_records', 'Committed records a sink has not confirmed yet', ['sink'], (g) => {
      g.reset();
      for (const s of this.#sinks()) g.set({ sink: s.name }, s.pending);
    });
    gauge('sink_lag_seconds', 'Age of the oldest record a sink has not confirmed (0 when it is up to date)', ['sink'], (g) => {
      g.reset();
      for (const s of this.#sinks()) g.set({ sink: s.name }, s.lagSeconds);
    });
    gauge('sink_last_seq', 'Sequence number of the last record the sink confirmed', ['sink'], (g) => {
      g.reset();
      for (const s of this.#sinks()) g.set({ sink: s.name }, s.seq);
    });

    gauge('sink_state', 'One series per sink and state (starting, idle, delivering, retrying, stopped); 1 for the current one', ['sink', 'state'], (g) => {
      g.reset();
      for (const sk of view.sinks?.() ?? []) for (const st of SINK_STATES) g.set({ sink: sk.name, state: st }, sk.state === st ? 1 : 0);
    });
    counter('sink_delivered_total', 'Records the sink confirmed since this process started', ['sink'], (c) => {
      c.reset();
      for (const sk of view.sinks?.() ?? []) c.inc({ sink: sk.name }, sk.delivered);
    });

    gauge('start_time_seconds', 'When this gateway started (UTC, Unix seconds)', [], (g) => g.set(Date.parse(view.info().startedAt) / 1000));

    collectDefaultMetrics({ register: this.registry, prefix: 'travelgate_', eventLoopMonitoringPrecision: 20 });
  }

  /** Sink backlogs: from the sinks' own status when the view has it (the in-memory cursor is the
   *  freshest), else from the journal's persisted cursors. */
  #sinks(): { name: string; seq: number; pending: number; lagSeconds: number }[] {
    const live = this.#view.sinks?.();
    if (live) return live.map((s) => ({ name: s.name, seq: s.cursor, pending: s.pending, lagSeconds: s.lagSeconds }));
    const journal = this.#view.journal();
    if (!journal?.cursors) return [];
    const { lastSeq, firstSeq } = journal.stats();
    return journal.cursors().map((c) => {
      const pending = Math.max(0, lastSeq - c.seq);
      const oldest = pending > 0 ? journal.record?.(Math.max(c.seq + 1, firstSeq ?? 0)) : undefined;
      const lagSeconds = oldest ? Math.max(0, (this.#now() - oldest.time) / 1000) : 0;
      return { name: c.name, seq: c.seq, pending, lagSeconds };
    });
  }
}
