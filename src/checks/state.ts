/**
 * The per-standard state the checks keep, as plain JSON: what a checkpoint stores and what the
 * API reports. Every number in it is finite (a checkpoint round-trips exactly through JSON).
 * Times are UTC ms of the readings (or of an operator's action), never of the gateway's clock.
 */
import type { GatewayEvent, QualityFlag, Verdict } from '../core/types.js';
import type { LifecycleState, TransitionCause } from './lifecycle.js';
import type { CusumSnapshot, LinearFitSnapshot } from './stats/index.js';

export const DAY_MS = 86_400_000;

/** A value of a channel and the reading time it was taken. */
export interface Sample {
  value: number;
  time: number;
}

export interface LifecycleSlice {
  state: LifecycleState;
  /** When the current state began (null: the configured initial state, never entered). */
  since: number | null;
  cause: TransitionCause | null;
  transitions: number;
}

/** Score of a check at a reading: E_b or E_n. */
export interface Score {
  value: number | null;
  result: Verdict['result'];
  at: number;
}

export interface StepInfo {
  /** Reading time of the alarm, and of the first reading of the run that led to it. */
  at: number;
  onsetAt: number | null;
  sign: 1 | -1;
  /** Estimated step in residual SDs, and in `unit`. */
  sizeZ: number;
  size: number;
  samples: number;
}

export interface DriftSlice {
  /** t = (time − epoch)/day; the reference model's t0, else the first fitted reading. */
  epochMs: number | null;
  fit: LinearFitSnapshot | null;
  /** Fit segments so far (a detected step starts a new one) and when the current one began. */
  segment: number;
  segmentStart: number | null;
  cusum: CusumSnapshot | null;
  steps: number;
  lastStep: StepInfo | null;
  eb: Score | null;
  en: (Score & { deviation: number }) | null;
}

/** Sums of one time bucket of the settling window (Welford moments about the bucket's means). */
export interface Bucket {
  index: number;
  n: number;
  mt: number;
  my: number;
  stt: number;
  sty: number;
  thN: number;
  thMin: number;
  thMax: number;
}

export interface SettlingSlice {
  /** Arrival (or restart) time; null while there is nothing to settle. */
  start: number | null;
  settled: boolean;
  settledAt: number | null;
  /** Index of the newest bucket seen. */
  cur: number;
  buckets: Bucket[];
  /** The criteria as last judged. */
  judged: { at: number; elapsedMs: number; windowFull: boolean; slopePerDay: number | null; thermistorSpread: number | null } | null;
}

export interface Alarm {
  id: number;
  kind: 'shock' | 'tilt' | 'temperature' | 'humidity' | 'power';
  time: number;
  value?: number;
  limit?: number;
  detail: string;
  resolved: { time: number; by: string; note?: string } | null;
}

export interface Range {
  min: number;
  max: number;
}

export interface TripSummary {
  startedAt: number | null;
  peak: { x: number; y: number; z: number };
  tiltMax: number | null;
  temperature: Range | null;
  humidity: Range | null;
  powerInterruptions: number;
}

export interface TransportSlice {
  trips: number;
  trip: TripSummary;
  /** Rising-edge memory per limit ('shock.x', 'tilt', 'power', ...): the level last reported. */
  active: Record<string, 'warn' | 'fail'>;
  nextAlarmId: number;
  /** Open alarms (all) and the most recent resolved ones. */
  alarms: Alarm[];
  lastThermistor: Sample | null;
  lastInterruptionAt: number | null;
  /** The last logger reading showing motion (≥ transport.motion g): time, g and axis. */
  lastMotion?: { time: number; g: number; axis: 'x' | 'y' | 'z' } | null;
}

export interface Counts {
  readings: number;
  verified: number;
  checks: Record<string, { pass: number; warn: number; fail: number; info: number }>;
}

export interface StandardState {
  lifecycle: LifecycleSlice;
  /** Latest environment and thermistor values. */
  env: Partial<Record<'temperature' | 'humidity' | 'pressure' | 'thermistor', Sample>>;
  envOut: boolean;
  drift: DriftSlice;
  settling: SettlingSlice;
  transport: TransportSlice;
  counts: Counts;
  lastReadingAt: number | null;
  lastVerified: boolean | null;
}

export function emptyTrip(startedAt: number | null): TripSummary {
  return { startedAt, peak: { x: 0, y: 0, z: 0 }, tiltMax: null, temperature: null, humidity: null, powerInterruptions: 0 };
}

export function initialState(initial: LifecycleState): StandardState {
  return {
    lifecycle: { state: initial, since: null, cause: null, transitions: 0 },
    env: {},
    envOut: false,
    drift: { epochMs: null, fit: null, segment: 0, segmentStart: null, cusum: null, steps: 0, lastStep: null, eb: null, en: null },
    settling: { start: null, settled: initial === 'measuring', settledAt: null, cur: -1, buckets: [], judged: null },
    transport: { trips: 0, trip: emptyTrip(null), active: {}, nextAlarmId: 1, alarms: [], lastThermistor: null, lastInterruptionAt: null },
    counts: { readings: 0, verified: 0, checks: {} },
    lastReadingAt: null,
    lastVerified: null,
  };
}

/** What one check contributes for one reading. */
export interface Outcome {
  verdicts: Verdict[];
  events: GatewayEvent[];
  flags: Set<QualityFlag>;
  /** Lifecycle moves the evidence asks for, applied by the engine in order. */
  moves: { to: LifecycleState; evidence: string }[];
}

/** The empty list the checks hand out when they have nothing to list: per reading, no array is
 *  made for nothing (frozen, so a caller cannot fill the shared one). */
export const NONE: readonly never[] = Object.freeze([]);

export function newOutcome(): Outcome {
  return { verdicts: [], events: [], flags: new Set(), moves: [] };
}

/**
 * A verdict whose value is dropped when not finite (JSON has no Infinity), with the reason kept.
 * Made as one literal per shape, keys in one order: a verdict lives in its record until the
 * journal commits it, and a property added after creation would give each one a second
 * allocation (V8 keeps it outside the object).
 */
export function verdict(check: string, result: Verdict['result'], value?: number | null, detail?: string): Verdict {
  if (value !== undefined && value !== null && !Number.isFinite(value)) {
    detail = detail ? `${detail} (value ${value})` : `value ${value}`;
    value = undefined;
  }
  if (value === undefined || value === null) return detail === undefined ? { check, result } : { check, result, detail };
  return detail === undefined ? { check, result, value } : { check, result, value, detail };
}

/** A finite number or null (for state and API fields). */
export function finiteOrNull(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) ? x : null;
}
