/**
 * One travelling standard at this gateway: its state and the checks run on each reading that
 * concerns it (the standard itself, its thermistor, the lab's environment, the case logger).
 *
 * Contract:
 * - Every method is deterministic in its inputs (the reading, or an operator action with its
 *   time): no clock, no randomness. Feeding the same records in the same order gives the same
 *   state, verdicts, flags and events — that is how a restarted gateway catches up from its journal.
 * - Never throws on bad data: a null value, a NaN or a bad flag gives a 'quality' verdict.
 * - A reading of the standard is verified only while the standard is measuring, settled, inside
 *   its environment window (and corrected, when corrections are configured), with no open
 *   transport alarm, a value and none of the flags in DISQUALIFYING (identity_mismatch, ...).
 */
import type { QualityFlag, Reading } from '../core/types.js';
import type { EnvQuantity, StandardConfig } from './config.js';
import { correct } from './corrections.js';
import { DriftCheck } from './drift.js';
import { judgeEnvironment, judgeEnvironmentValue } from './environment.js';
import { EVENT_ENVIRONMENT, EVENT_SETTLED, EVENT_TRANSITION, canTransition, type LifecycleState, type TransitionCause } from './lifecycle.js';
import * as settling from './settling.js';
import { initialState, NONE, newOutcome, verdict, type Outcome, type StandardState } from './state.js';
import { applyLogger, applyThermistor, openAlarms, startTrip, type LoggerRole } from './transport.js';

/** Flags that make a reading unusable for the checks and unverifiable. */
export const DISQUALIFYING: ReadonlySet<QualityFlag> = new Set<QualityFlag>([
  'timeout',
  'parse_error',
  'overrange',
  'identity_mismatch',
  'unavailable',
  'device_error',
  'clock_unsynced',
  'clock_step',
]);

export type Role = { kind: 'measurand' } | { kind: 'thermistor' } | { kind: 'env'; q: EnvQuantity } | { kind: 'logger'; role: LoggerRole };

export class StandardRuntime {
  readonly drift: DriftCheck;
  /** Whether any correction to reference conditions is configured. */
  private readonly corrects: boolean;

  constructor(
    readonly cfg: StandardConfig,
    readonly state: StandardState = initialState(cfg.initialState),
  ) {
    this.drift = new DriftCheck(cfg, state.drift);
    this.corrects = Object.values(cfg.corrections).some((c) => c !== undefined);
  }

  get id(): string {
    return this.cfg.id;
  }

  /** Judges one reading in its role; `flags` are the reading's own (check flags removed). */
  apply(role: Role, r: Reading, flags: readonly QualityFlag[]): { out: Outcome; verified?: boolean } {
    const out = newOutcome();
    const bad = flags.length === 0 ? NONE : flags.filter((f) => DISQUALIFYING.has(f));
    const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
    if (value === null || bad.length > 0) {
      out.verdicts.push(verdict('quality', 'fail', null, bad.length > 0 ? bad.join(', ') : 'no value'));
    }
    if (role.kind === 'measurand') return { out, verified: this.measurand(out, r, value, bad.length > 0) };
    if (value !== null && bad.length === 0) {
      const st = this.state;
      const t = r.time;
      if (role.kind === 'env') {
        st.env[role.q] = { value, time: t };
        const result = judgeEnvironmentValue(this.cfg, role.q, value);
        out.verdicts.push(verdict('environment', result, value));
        if (result === 'fail') out.flags.add('env_out_of_window');
      } else if (role.kind === 'thermistor') {
        st.env.thermistor = { value, time: t };
        applyThermistor(this.cfg, st.transport, out, value, t, st.lifecycle.state);
        this.applyMoves(out, t);
        if (this.inPlay()) settling.addThermistor(this.cfg, st.settling, t, value);
      } else {
        applyLogger(this.cfg, st.transport, out, role.role, value, t, st.lifecycle.state);
      }
    }
    this.applyMoves(out, r.time);
    this.count(out);
    return { out };
  }

  private inPlay(): boolean {
    const s = this.state.lifecycle.state;
    return s === 'settling' || s === 'measuring';
  }

  private measurand(out: Outcome, r: Reading, value: number | null, bad: boolean): boolean {
    const st = this.state;
    const cfg = this.cfg;
    const t = r.time;
    st.lastReadingAt = t;
    st.counts.readings += 1;
    out.verdicts.push(verdict('lifecycle', 'info', null, st.lifecycle.state));
    let verified = false;
    if (value !== null) {
      if (this.inPlay() && st.settling.start === null && !st.settling.settled) settling.restart(st.settling, t);
      const env = judgeEnvironment(cfg, st.env, t);
      out.verdicts.push(verdict('environment', env.result, null, env.detail || undefined));
      if (env.result === 'fail') out.flags.add('env_out_of_window');
      if ((env.result === 'fail') !== st.envOut) {
        st.envOut = env.result === 'fail';
        out.events.push({
          type: EVENT_ENVIRONMENT,
          time: t,
          standard: cfg.id,
          severity: st.envOut ? 'warning' : 'info',
          message: `${cfg.id}: ${st.envOut ? `environment out of window: ${env.detail}` : 'environment back in window'}`,
        });
      }
      const corr = correct(cfg, st.env, value, t);
      const corrected = corr.value;
      if (corr.missing.length > 0) out.verdicts.push(verdict('correction', 'warn', null, `uncorrected: no recent ${corr.missing.join(', ')}`));
      else if (this.corrects) out.verdicts.push(verdict('correction', 'info', corrected));

      if (this.inPlay() && corrected !== null && !bad && env.result !== 'fail') {
        settling.addValue(cfg, st.settling, t, corrected - cfg.nominal);
      }
      let settleDetail = st.settling.start === null ? 'not arrived' : 'settling';
      if (this.inPlay()) {
        const j = settling.judge(cfg, st.settling, t, cfg.reference?.driftPerDay ?? 0);
        settleDetail = j.detail;
        if (j.justSettled) {
          out.events.push({ type: EVENT_SETTLED, time: t, standard: cfg.id, severity: 'info', message: `${cfg.id}: settled`, data: { since: st.settling.start } });
          if (cfg.settling.autoMeasure && st.lifecycle.state === 'settling') out.moves.push({ to: 'measuring', evidence: 'settled' });
        }
        this.applyMoves(out, t);
      }
      if (st.settling.settled) out.verdicts.push(verdict('settling', 'pass'));
      else {
        out.flags.add('settling');
        out.verdicts.push(verdict('settling', 'warn', progressOf(cfg, st), settleDetail));
      }
      const open = openAlarms(st.transport);
      out.verdicts.push(verdict('transport', open.length > 0 ? 'fail' : 'pass', open.length, open.length > 0 ? `${open.length} open alarm(s): ${open[0]!.detail}` : undefined));
      if (open.some((a) => a.kind === 'shock')) out.flags.add('transport_shock');

      if (this.inPlay() && corrected !== null) this.drift.judgeReading(out, t, corrected, r.u);
      const good = st.lifecycle.state === 'measuring' && st.settling.settled && env.result === 'pass' && corrected !== null && !bad;
      if (good) this.drift.fitReading(out, t, corrected, r.u);
      verified = good && open.length === 0;
    }
    this.applyMoves(out, t);
    if (verified) st.counts.verified += 1;
    st.lastVerified = verified;
    this.count(out);
    return verified;
  }

  private count(out: Outcome): void {
    const checks = this.state.counts.checks;
    for (const v of out.verdicts) {
      const c = (checks[v.check] ??= { pass: 0, warn: 0, fail: 0, info: 0 });
      c[v.result] += 1;
    }
  }

  private applyMoves(out: Outcome, t: number): void {
    const moves = out.moves.splice(0);
    for (const m of moves) {
      if (canTransition(this.state.lifecycle.state, m.to)) this.transition(m.to, { kind: 'evidence', evidence: m.evidence }, t, out);
    }
  }

  /**
   * Moves the lifecycle (caller checked `canTransition`) and records the event in `out`.
   * Entering in_transit starts a new trip summary; entering settling restarts settling.
   */
  transition(to: LifecycleState, cause: TransitionCause, t: number, out: Outcome): void {
    const lc = this.state.lifecycle;
    const from = lc.state;
    lc.state = to;
    lc.since = t;
    lc.cause = cause;
    lc.transitions += 1;
    const st = this.state;
    if (to === 'in_transit') {
      startTrip(st.transport, t);
      this.drift.resetCusum();
      st.settling.start = null;
      st.settling.settled = false;
      st.settling.settledAt = null;
      st.settling.buckets = [];
      st.settling.judged = null;
    } else if (to === 'settling') {
      settling.restart(st.settling, t);
    }
    const who = cause.kind === 'operator' ? `by ${cause.by}` : `on evidence: ${cause.evidence}`;
    out.events.push({
      type: EVENT_TRANSITION,
      time: t,
      standard: this.cfg.id,
      severity: cause.kind === 'evidence' && to !== 'measuring' ? 'warning' : 'info',
      message: `${this.cfg.id}: ${from} -> ${to} ${who}${cause.kind === 'operator' && cause.note ? ` (${cause.note})` : ''}`,
      data: {
        from,
        to,
        cause: cause.kind,
        ...(cause.kind === 'operator' ? { by: cause.by, ...(cause.note !== undefined ? { note: cause.note } : {}) } : { evidence: cause.evidence }),
      },
    });
  }
}

function progressOf(cfg: StandardConfig, st: StandardState): number {
  const j = st.settling.judged;
  if (!j) return 0;
  const need = Math.max(cfg.settling.time, (cfg.settling.window * (settling.BUCKETS - 1)) / settling.BUCKETS);
  return need > 0 ? Math.min(1, j.elapsedMs / need) : 1;
}
