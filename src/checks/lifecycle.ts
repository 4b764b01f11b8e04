/**
 * The travelling standard's lifecycle at one gateway:
 *
 *   awaiting -> in_transit -> settling -> measuring -> in_transit (next lab) | returned
 *
 * plus the moves the protocol needs on the way: settling -> in_transit (moved again before it
 * settled), measuring -> settling and settling -> settling (a power interruption or an operator
 * restarts settling). `returned` is final. Anything else is forbidden (the API answers 409).
 *
 * A transition has a cause: an operator (name from the bearer token, optional note) or evidence
 * (what a check saw, e.g. "peak_z 3.1 g"). Transitions are journal events (`standard_transition`);
 * operator transitions are inputs that a replay of the journal applies again, evidence transitions
 * are outputs that a replay derives again from the readings.
 */

export const LIFECYCLE_STATES = ['awaiting', 'in_transit', 'settling', 'measuring', 'returned'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

const ALLOWED: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  awaiting: ['in_transit'],
  in_transit: ['settling'],
  settling: ['measuring', 'in_transit', 'settling'],
  measuring: ['in_transit', 'returned', 'settling'],
  returned: [],
};

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return ALLOWED[from].includes(to);
}

export function allowedFrom(from: LifecycleState): readonly LifecycleState[] {
  return ALLOWED[from];
}

export function isLifecycleState(s: unknown): s is LifecycleState {
  return typeof s === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(s);
}

export type TransitionCause =
  | { kind: 'operator'; by: string; note?: string }
  | { kind: 'evidence'; evidence: string };

/** The journal event types the checks write. Operator events are replayed as inputs. */
export const EVENT_TRANSITION = 'standard_transition';
export const EVENT_ALARMS_RESOLVED = 'standard_alarms_resolved';
export const EVENT_TRANSPORT_ALARM = 'transport_alarm';
export const EVENT_TRANSPORT_WARNING = 'transport_warning';
export const EVENT_STEP = 'step_detected';
export const EVENT_DRIFT_RATE = 'drift_rate';
export const EVENT_SETTLED = 'standard_settled';
export const EVENT_ENVIRONMENT = 'environment_excursion';
