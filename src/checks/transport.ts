/**
 * The transport check, from the logger fixed to the case and from the standard's thermistor.
 *
 * Contract (limits from config `transport`; every reading judged on its own, O(1)):
 * - Shock: |peak g| per axis. ≥ fail: 'fail' verdict, the reading is flagged `transport_shock` and a
 *   blocking alarm opens; ≥ warn: 'warn' verdict and a warning event. Judged in every state (a drop
 *   on the bench is a drop). |g| ≥ `motion` in awaiting, settling or measuring is evidence of
 *   movement: the standard goes in_transit.
 * - Tilt (deg; warn/fail), case temperature and humidity (windows): judged only in transit; a fail
 *   opens a blocking alarm, a warn is an event.
 * - Power: a power reading < `powerOffBelow`, a battery below `batteryMin`, or a thermistor change
 *   of more than `thermistorStep` (relative) between consecutive readings (once per
 *   `thermistorHoldoff`) is an interruption: a blocking alarm, and in settling or measuring the
 *   settling restarts (evidence move to settling).
 * - Events and alarms fire on the rising edge (the level last reported is remembered per limit),
 *   so a limit held for many readings gives one alarm. Alarms stay open until an operator resolves
 *   them; while any is open no reading of the standard is verified.
 */
import type { StandardConfig } from './config.js';
import { EVENT_TRANSPORT_ALARM, EVENT_TRANSPORT_WARNING, type LifecycleState } from './lifecycle.js';
import { emptyTrip, NONE, verdict, type Alarm, type Outcome, type Range, type TransportSlice } from './state.js';

export type LoggerRole = 'accelX' | 'accelY' | 'accelZ' | 'tilt' | 'temperature' | 'humidity' | 'power' | 'battery';
export const LOGGER_ROLES: readonly LoggerRole[] = ['accelX', 'accelY', 'accelZ', 'tilt', 'temperature', 'humidity', 'power', 'battery'];

/** Open alarms kept; beyond this, further ones only count (the state stays bounded). */
const MAX_OPEN = 100;
const MAX_RESOLVED = 20;

const AXIS: Partial<Record<LoggerRole, 'x' | 'y' | 'z'>> = { accelX: 'x', accelY: 'y', accelZ: 'z' };

export function startTrip(s: TransportSlice, t: number): void {
  s.trips += 1;
  s.trip = emptyTrip(t);
}

export function openAlarms(s: TransportSlice): readonly Alarm[] {
  return s.alarms.length === 0 ? NONE : s.alarms.filter((a) => a.resolved === null); // per reading: no array for none
}

/** Resolves every open alarm; returns how many. */
export function resolveAlarms(s: TransportSlice, t: number, by: string, note?: string): number {
  let n = 0;
  for (const a of s.alarms) {
    if (a.resolved !== null) continue;
    a.resolved = note === undefined ? { time: t, by } : { time: t, by, note };
    n += 1;
  }
  const open = s.alarms.filter((a) => a.resolved === null);
  const resolved = s.alarms.filter((a) => a.resolved !== null).slice(-MAX_RESOLVED);
  s.alarms = [...resolved, ...open];
  return n;
}

interface Level {
  key: string;
  level: 'pass' | 'warn' | 'fail';
  kind: Alarm['kind'];
  value: number;
  limit?: number;
  detail: string;
}

/** Records the level of one limit: verdict, and an event/alarm on the rising edge. */
function report(std: string, s: TransportSlice, out: Outcome, t: number, l: Level): void {
  out.verdicts.push(verdict('transport', l.level, l.value, l.level === 'pass' ? undefined : l.detail));
  const before = s.active[l.key];
  if (l.level === 'pass') {
    delete s.active[l.key];
    return;
  }
  s.active[l.key] = l.level;
  if (before === l.level || (before === 'fail' && l.level === 'warn')) return;
  if (l.level === 'fail') {
    const alarm: Alarm = { id: s.nextAlarmId++, kind: l.kind, time: t, value: l.value, detail: l.detail, resolved: null };
    if (l.limit !== undefined) alarm.limit = l.limit;
    if (openAlarms(s).length < MAX_OPEN) s.alarms.push(alarm);
    out.events.push({
      type: EVENT_TRANSPORT_ALARM,
      time: t,
      standard: std,
      severity: 'alarm',
      message: `${std}: ${l.detail}`,
      data: { alarm: alarm.id, kind: l.kind, value: l.value, ...(l.limit !== undefined ? { limit: l.limit } : {}) },
    });
  } else {
    out.events.push({
      type: EVENT_TRANSPORT_WARNING,
      time: t,
      standard: std,
      severity: 'warning',
      message: `${std}: ${l.detail}`,
      data: { kind: l.kind, value: l.value, ...(l.limit !== undefined ? { limit: l.limit } : {}) },
    });
  }
}

function widen(r: Range | null, v: number): Range {
  return r === null ? { min: v, max: v } : { min: Math.min(r.min, v), max: Math.max(r.max, v) };
}

function grade(v: number, warn: number | undefined, fail: number | undefined): { level: Level['level']; limit?: number } {
  if (fail !== undefined && v >= fail) return { level: 'fail', limit: fail };
  if (warn !== undefined && v >= warn) return { level: 'warn', limit: warn };
  return { level: 'pass' };
}

/** A reading of the case logger. */
export function applyLogger(
  cfg: StandardConfig,
  s: TransportSlice,
  out: Outcome,
  role: LoggerRole,
  value: number,
  t: number,
  state: LifecycleState,
): void {
  const tc = cfg.transport;
  const std = cfg.id;
  const axis = AXIS[role];
  if (axis) {
    const g = Math.abs(value);
    s.trip.peak[axis] = Math.max(s.trip.peak[axis], g);
    const { level, limit } = grade(g, tc.shock.warn, tc.shock.fail);
    const l: Level = { key: `shock.${axis}`, level, kind: 'shock', value: g, detail: `shock ${g} g on ${axis} (limit ${limit} g)` };
    if (limit !== undefined) l.limit = limit;
    report(std, s, out, t, l);
    if (level === 'fail') out.flags.add('transport_shock');
    if (tc.motion !== null && g >= tc.motion) s.lastMotion = { time: t, g, axis };
    if (tc.motion !== null && g >= tc.motion && (state === 'awaiting' || state === 'settling' || state === 'measuring')) {
      out.moves.push({ to: 'in_transit', evidence: `motion: ${g} g on ${axis}` });
    }
    return;
  }
  if (role === 'power' || role === 'battery') {
    const off = role === 'power' ? value < tc.powerOffBelow : tc.batteryMin !== undefined && value < tc.batteryMin;
    const limit = role === 'power' ? tc.powerOffBelow : tc.batteryMin;
    const detail = role === 'power' ? `power interrupted (${value})` : `battery ${value} V below ${limit} V`;
    const l: Level = { key: role, level: off ? 'fail' : 'pass', kind: 'power', value, detail };
    if (limit !== undefined) l.limit = limit;
    const rising = off && s.active[role] !== 'fail';
    report(std, s, out, t, l);
    if (rising) interruption(s, out, t, state, detail);
    return;
  }
  if (state !== 'in_transit') {
    out.verdicts.push(verdict('transport', 'info', value, 'not in transit'));
    return;
  }
  if (role === 'tilt') {
    const a = Math.abs(value);
    s.trip.tiltMax = Math.max(s.trip.tiltMax ?? 0, a);
    const { level, limit } = grade(a, tc.tilt.warn, tc.tilt.fail);
    const l: Level = { key: 'tilt', level, kind: 'tilt', value: a, detail: `tilt ${a}° (limit ${limit}°)` };
    if (limit !== undefined) l.limit = limit;
    report(std, s, out, t, l);
    return;
  }
  // Climate in transit.
  const climate = role as 'temperature' | 'humidity';
  const w = role === 'temperature' ? tc.temperature : tc.humidity;
  if (role === 'temperature') s.trip.temperature = widen(s.trip.temperature, value);
  else s.trip.humidity = widen(s.trip.humidity, value);
  const outside = w !== undefined && ((w.min !== undefined && value < w.min) || (w.max !== undefined && value > w.max));
  const unit = role === 'temperature' ? '°C' : '%RH';
  report(std, s, out, t, {
    key: role,
    level: outside ? 'fail' : 'pass',
    kind: climate,
    value,
    detail: `case ${role} ${value} ${unit} outside [${w?.min ?? '-∞'}, ${w?.max ?? '∞'}]`,
  });
}

/** Why an arrival at `t` is refused: the case moved within `transport.arrivalRest` before it. */
export function stillMoving(cfg: StandardConfig, s: TransportSlice, t: number): string | undefined {
  const m = s.lastMotion;
  if (!m || cfg.transport.motion === null || t - m.time >= cfg.transport.arrivalRest) return undefined;
  const ago = Math.max(0, Math.round((t - m.time) / 1000));
  return (
    `the case logger read ${m.g} g on ${m.axis} ${ago} s ago (motion: ≥ ${cfg.transport.motion} g), so the case is still moving; ` +
    `mark the arrival once it has rested for ${Math.round(cfg.transport.arrivalRest / 1000)} s`
  );
}

function interruption(s: TransportSlice, out: Outcome, t: number, state: LifecycleState, evidence: string): void {
  s.trip.powerInterruptions += 1;
  s.lastInterruptionAt = t;
  if (state === 'settling' || state === 'measuring') out.moves.push({ to: 'settling', evidence });
}

/** A reading of the standard's thermistor: a step shows a power interruption. */
export function applyThermistor(cfg: StandardConfig, s: TransportSlice, out: Outcome, r: number, t: number, state: LifecycleState): void {
  const last = s.lastThermistor;
  s.lastThermistor = { value: r, time: t };
  if (last === null || last.value === 0) return;
  const change = (r - last.value) / last.value;
  const step = Math.abs(change) > cfg.transport.thermistorStep;
  const held = s.lastInterruptionAt !== null && t - s.lastInterruptionAt < cfg.transport.thermistorHoldoff;
  if (!step) {
    out.verdicts.push(verdict('power', 'pass', change));
    return;
  }
  const detail = `thermistor step ${(change * 100).toFixed(2)} % (${last.value} -> ${r} Ω): power interruption`;
  if (held) {
    out.verdicts.push(verdict('power', 'warn', change, `${detail} (same interruption)`));
    return;
  }
  out.verdicts.push(verdict('power', 'fail', change, detail));
  const alarm: Alarm = { id: s.nextAlarmId++, kind: 'power', time: t, value: change, limit: cfg.transport.thermistorStep, detail, resolved: null };
  if (openAlarms(s).length < MAX_OPEN) s.alarms.push(alarm);
  out.events.push({
    type: EVENT_TRANSPORT_ALARM,
    time: t,
    standard: cfg.id,
    severity: 'alarm',
    message: `${cfg.id}: ${detail}`,
    data: { alarm: alarm.id, kind: 'power', value: change, limit: cfg.transport.thermistorStep },
  });
  interruption(s, out, t, state, detail);
}
