/**
 * The standard's route from the gateways' verified lifecycle and transport events (pure).
 *
 * - Lifecycle per lab: every `standard_transition` of the standard journaled by the lab's
 *   gateways, in time order, and the lab's latest state.
 * - Where the standard is now: the latest transition of any lab (its lab, state and time).
 * - Transport legs: a leg starts when a lab's gateway moves the standard to `in_transit` and ends
 *   at the next move to `settling` (arrival) at any lab, or stays open. The leg collects every
 *   `transport_alarm` / `transport_warning` of the standard timed within it (at either end: the
 *   case logger is read where the case is), and sums them up per kind: the peak shock (g), the
 *   largest tilt (°), the case temperature and humidity seen, and the power interruptions.
 */
import type { EventRow } from '../types.js';

export const ROUTE_EVENT_TYPES = ['standard_transition', 'transport_alarm', 'transport_warning', 'standard_settled', 'step_detected', 'environment_excursion', 'standard_alarms_resolved'];

export interface Transition {
  time: number;
  lab: string;
  gateway: string;
  from: string;
  to: string;
  cause: string;
  detail: string;
}

export interface TransportEvent {
  time: number;
  lab: string;
  type: string;
  kind: string;
  severity: string;
  value: number | null;
  limit: number | null;
  message: string;
}

export interface Leg {
  from: { lab: string; time: number };
  to: { lab: string; time: number } | null;
  events: TransportEvent[];
  summary: { peakShockG: number | null; maxTiltDeg: number | null; temperature: [number, number] | null; humidity: [number, number] | null; powerInterruptions: number };
}

export interface Route {
  standard: string;
  now: { lab: string; state: string; since: number } | null;
  labs: { lab: string; state: string | null; transitions: Transition[] }[];
  legs: Leg[];
}

export function routeOf(standard: string, labs: readonly string[], events: readonly EventRow[]): Route {
  const mine = events.filter((e) => e.standard === standard).sort((a, b) => a.time - b.time || a.seq - b.seq);
  const transitions: Transition[] = [];
  const transport: TransportEvent[] = [];
  for (const e of mine) {
    const d = parse(e.data);
    if (e.type === 'standard_transition') {
      const cause = String(d.cause ?? '');
      const detail = cause === 'operator' ? `by ${String(d.by ?? '?')}${d.note ? ` (${String(d.note)})` : ''}` : String(d.evidence ?? '');
      transitions.push({ time: e.time, lab: e.lab, gateway: e.gateway, from: String(d.from ?? ''), to: String(d.to ?? ''), cause, detail });
    } else if (e.type === 'transport_alarm' || e.type === 'transport_warning') {
      transport.push({
        time: e.time,
        lab: e.lab,
        type: e.type,
        kind: String(d.kind ?? ''),
        severity: e.severity,
        value: typeof d.value === 'number' ? d.value : null,
        limit: typeof d.limit === 'number' ? d.limit : null,
        message: e.message,
      });
    }
  }
  const last = transitions[transitions.length - 1];
  const perLab = [...new Set(labs)].map((lab) => {
    const own = transitions.filter((t) => t.lab === lab);
    return { lab, state: own.length > 0 ? own[own.length - 1]!.to : null, transitions: own };
  });
  return { standard, now: last ? { lab: last.lab, state: last.to, since: last.time } : null, labs: perLab, legs: legsOf(transitions, transport) };
}

function legsOf(transitions: readonly Transition[], transport: readonly TransportEvent[]): Leg[] {
  const legs: Leg[] = [];
  let open: Leg | undefined;
  for (const t of transitions) {
    if (t.to === 'in_transit' && (!open || open.to !== null)) {
      open = { from: { lab: t.lab, time: t.time }, to: null, events: [], summary: emptySummary() };
      legs.push(open);
    } else if (t.to === 'settling' && t.from === 'in_transit' && open && open.to === null) {
      open.to = { lab: t.lab, time: t.time };
    }
  }
  for (const leg of legs) {
    const end = leg.to?.time ?? Number.POSITIVE_INFINITY;
    leg.events = transport.filter((e) => e.time >= leg.from.time && e.time <= end);
    leg.summary = summarise(leg.events);
  }
  return legs;
}

function emptySummary(): Leg['summary'] {
  return { peakShockG: null, maxTiltDeg: null, temperature: null, humidity: null, powerInterruptions: 0 };
}

function summarise(events: readonly TransportEvent[]): Leg['summary'] {
  const s = emptySummary();
  const widen = (r: [number, number] | null, v: number): [number, number] => (r ? [Math.min(r[0], v), Math.max(r[1], v)] : [v, v]);
  for (const e of events) {
    if (e.value === null) continue;
    if (e.kind === 'shock') s.peakShockG = Math.max(s.peakShockG ?? 0, e.value);
    else if (e.kind === 'tilt') s.maxTiltDeg = Math.max(s.maxTiltDeg ?? 0, e.value);
    else if (e.kind === 'temperature') s.temperature = widen(s.temperature, e.value);
    else if (e.kind === 'humidity') s.humidity = widen(s.humidity, e.value);
  }
  s.powerInterruptions = events.filter((e) => e.kind === 'power' && e.type === 'transport_alarm').length;
  return s;
}

function parse(data: string): Record<string, unknown> {
  try {
    const v = JSON.parse(data) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
