/**
 * What the API reports about a standard: a short summary for the list and the full picture for
 * GET /api/v1/standards/:id. Times are ISO 8601 UTC strings; every number is finite or null.
 */
import type { ChannelRef } from './config.js';
import type { CheckEngine } from './engine.js';
import { allowedFrom, type LifecycleState, type TransitionCause } from './lifecycle.js';
import { BUCKETS } from './settling.js';
import type { StandardRuntime } from './standard.js';
import { DAY_MS, finiteOrNull, type Alarm, type Counts, type Range, type Score, type StepInfo } from './state.js';
import { openAlarms } from './transport.js';

const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());

export interface StandardSummary {
  id: string;
  quantity: string;
  nominal: number;
  unit: string;
  measurand: ChannelRef;
  state: LifecycleState;
  since: string | null;
  settled: boolean;
  openAlarms: number;
  eb: { value: number | null; result: string } | null;
  en: { value: number | null; result: string } | null;
  readings: number;
  verified: number;
  lastReadingAt: string | null;
  lastVerified: boolean | null;
}

type IsoScore = Omit<Score, 'at'> & { at: string | null };
type IsoAlarm = Omit<Alarm, 'time' | 'resolved'> & { time: string | null; resolved: { time: string | null; by: string; note?: string } | null };

export interface StandardDetail extends StandardSummary {
  lifecycle: { state: LifecycleState; since: string | null; cause: TransitionCause | null; transitions: number; allowed: readonly LifecycleState[] };
  reference: { t0: string; x0: number; uX0: number; driftPerDay: number; uDriftPerDay: number; uTransport: number } | null;
  drift: {
    epoch: string | null;
    segment: number;
    segmentStart: string | null;
    n: number;
    mode: string | null;
    slopePerDay: number | null;
    uSlopePerDay: number | null;
    residualSd: number | null;
    r2: number | null;
    /** The fitted line at the last reading, in `unit` (value, not offset). */
    atLastReading: { time: string; value: number; u: number } | null;
    eb: IsoScore | null;
    en: (IsoScore & { deviation: number }) | null;
    thresholds: { warn: number; fail: number; k: number };
    /** When E_b is judged (drift.minPoints readings over drift.minSpan) and, until then, what the
     *  fit still lacks, in words (null once it has what it needs). */
    judgedAfter: { minPoints: number; minSpanMs: number };
    pending: string | null;
    /** The fit's span so far (segment start to the last reading), ms. */
    spanMs: number | null;
  };
  cusum: { sPlus: number; sMinus: number; k: number; h: number; steps: number; lastStep: (Omit<StepInfo, 'at' | 'onsetAt'> & { at: string | null; onsetAt: string | null }) | null };
  transport: {
    trips: number;
    trip: { startedAt: string | null; peak: { x: number; y: number; z: number }; tiltMax: number | null; temperature: Range | null; humidity: Range | null; powerInterruptions: number };
    openAlarms: IsoAlarm[];
    alarms: IsoAlarm[];
    /** The last reading of the case logger that showed motion; an arrival within `arrivalRestMs`
     *  after it is refused. */
    lastMotion: { time: string | null; g: number; axis: string } | null;
    arrivalRestMs: number;
  };
  settling: {
    start: string | null;
    settled: boolean;
    settledAt: string | null;
    requiredMs: number;
    elapsedMs: number | null;
    progress: number;
    windowFull: boolean | null;
    slopePerDay: number | null;
    thermistorSpread: number | null;
  };
  environment: Record<string, { value: number; time: string | null } | undefined>;
  verdicts: Counts;
}

export function summarize(rt: StandardRuntime): StandardSummary {
  const { cfg, state: st } = rt;
  const score = (s: Score | null) => (s ? { value: s.value, result: s.result } : null);
  return {
    id: cfg.id,
    quantity: cfg.quantity,
    nominal: cfg.nominal,
    unit: cfg.unit,
    measurand: cfg.measurand,
    state: st.lifecycle.state,
    since: iso(st.lifecycle.since),
    settled: st.settling.settled,
    openAlarms: openAlarms(st.transport).length,
    eb: score(st.drift.eb),
    en: score(st.drift.en),
    readings: st.counts.readings,
    verified: st.counts.verified,
    lastReadingAt: iso(st.lastReadingAt),
    lastVerified: st.lastVerified,
  };
}

const isoAlarm = (a: Alarm): IsoAlarm => ({ ...a, time: iso(a.time), resolved: a.resolved && { ...a.resolved, time: iso(a.resolved.time) } });

export function describe(rt: StandardRuntime): StandardDetail {
  const { cfg, state: st } = rt;
  const d = rt.drift.sync();
  const fit = rt.drift.result();
  const epoch = d.epochMs;
  const last = st.lastReadingAt;
  let atLast: StandardDetail['drift']['atLastReading'] = null;
  if (fit && epoch !== null && last !== null) {
    const p = fit.predict((last - epoch) / DAY_MS);
    atLast = { time: iso(last)!, value: p.value + cfg.nominal, u: p.u };
  }
  const j = st.settling.judged;
  const requiredMs = Math.max(cfg.settling.time, (cfg.settling.window * (BUCKETS - 1)) / BUCKETS);
  const env: StandardDetail['environment'] = {};
  for (const [q, s] of Object.entries(st.env)) if (s) env[q] = { value: s.value, time: iso(s.time) };
  const ref = cfg.reference;
  const drift = pendingDrift(rt, fit?.n ?? d.fit?.n ?? 0);
  return {
    ...summarize(rt),
    lifecycle: { ...st.lifecycle, since: iso(st.lifecycle.since), allowed: allowedFrom(st.lifecycle.state) },
    reference: ref ? { ...ref } : null,
    drift: {
      epoch: iso(epoch),
      segment: d.segment,
      segmentStart: iso(d.segmentStart),
      n: fit?.n ?? (d.fit?.n ?? 0),
      mode: fit?.mode ?? null,
      slopePerDay: finiteOrNull(fit?.slope),
      uSlopePerDay: finiteOrNull(fit?.uSlope),
      residualSd: finiteOrNull(fit?.residualSd),
      r2: finiteOrNull(fit?.r2),
      atLastReading: atLast,
      eb: d.eb && { ...d.eb, at: iso(d.eb.at) },
      en: d.en && { ...d.en, at: iso(d.en.at) },
      thresholds: { warn: cfg.drift.warn, fail: cfg.drift.fail, k: cfg.drift.k },
      judgedAfter: { minPoints: cfg.drift.minPoints, minSpanMs: cfg.drift.minSpan },
      pending: drift.pending,
      spanMs: drift.spanMs,
    },
    cusum: {
      ...rt.drift.cusumState,
      steps: d.steps,
      lastStep: d.lastStep && { ...d.lastStep, at: iso(d.lastStep.at), onsetAt: iso(d.lastStep.onsetAt) },
    },
    transport: {
      trips: st.transport.trips,
      trip: { ...st.transport.trip, startedAt: iso(st.transport.trip.startedAt) },
      openAlarms: openAlarms(st.transport).map(isoAlarm),
      alarms: st.transport.alarms.map(isoAlarm),
      lastMotion: st.transport.lastMotion ? { ...st.transport.lastMotion, time: iso(st.transport.lastMotion.time) } : null,
      arrivalRestMs: cfg.transport.arrivalRest,
    },
    settling: {
      start: iso(st.settling.start),
      settled: st.settling.settled,
      settledAt: iso(st.settling.settledAt),
      requiredMs,
      elapsedMs: j?.elapsedMs ?? null,
      progress: st.settling.settled ? 1 : j && requiredMs > 0 ? Math.min(1, j.elapsedMs / requiredMs) : 0,
      windowFull: j?.windowFull ?? null,
      slopePerDay: j?.slopePerDay ?? null,
      thermistorSpread: j?.thermistorSpread ?? null,
    },
    environment: env,
    verdicts: structuredClone(st.counts),
  };
}

/** What the drift fit still lacks before E_b is judged, in words; null when it is judged. */
function pendingDrift(rt: StandardRuntime, n: number): { pending: string | null; spanMs: number | null } {
  const { cfg, state: st } = rt;
  const d = st.drift;
  const spanMs = d.segmentStart !== null && st.lastReadingAt !== null ? Math.max(0, st.lastReadingAt - d.segmentStart) : null;
  if (!cfg.reference) return { pending: 'E_b is not judged: no reference model is configured to compare with', spanMs };
  if (n === 0) return { pending: 'E_b is not judged yet: the drift fit starts with the first good reading once the standard is measuring and settled', spanMs };
  const missing: string[] = [];
  if (n < cfg.drift.minPoints) missing.push(`${cfg.drift.minPoints - n} more reading${cfg.drift.minPoints - n === 1 ? '' : 's'} (has ${n} of ${cfg.drift.minPoints})`);
  if (spanMs === null || spanMs < cfg.drift.minSpan) missing.push(`a span of ${words(cfg.drift.minSpan)} (has ${words(spanMs ?? 0)})`);
  if (missing.length === 0) return { pending: d.eb ? null : 'E_b is not judged yet: it is judged with the next reading', spanMs };
  return { pending: `E_b is not judged yet: the fit needs ${missing.join(' and ')}`, spanMs };
}

function words(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} d`;
}

export function summaries(engine: CheckEngine): StandardSummary[] {
  return engine.ids().map((id) => summarize(engine.runtime(id)!));
}

export function detail(engine: CheckEngine, id: string): StandardDetail | undefined {
  const rt = engine.runtime(id);
  return rt ? describe(rt) : undefined;
}
