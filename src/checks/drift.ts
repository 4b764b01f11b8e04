/**
 * Drift checks of one standard: the online drift fit, E_b against the reference drift rate, E_n of
 * each reading against the reference model's prediction, and CUSUM step detection.
 *
 * Contract:
 * - t = (reading time − epoch) in days, epoch = the reference model's t0 (else the first fitted
 *   reading); y = corrected value − nominal. The fit is `OnlineLinearFit` (OLS, or WLS when the
 *   readings carry u; config `drift.fit`), O(1) per reading, its state a snapshot in the slice.
 * - `judgeReading` (E_n) applies to any corrected reading while settling or measuring:
 *   E_n = |y − ŷ_ref(t)| / (k·√(u²(y) + u²(ŷ_ref) + u²_transport)), 'pass' when ≤ 1 else 'fail'.
 * - `fitReading` applies to good readings only (measuring, settled, in window, no bad flag):
 *   1. once the fit has `step.minPoints`, the prediction error e = y − ŷ_fit(t) of the fit BEFORE
 *      this reading, standardised by the fit's residual SD, feeds the CUSUM (k, h from config);
 *      an alarm reports the step's sign, size (z·s) and onset, and (restartFit) starts a new fit
 *      segment: the readings after a step are not fitted together with those before it;
 *   2. the reading joins the fit;
 *   3. once the fit has `drift.minPoints` over at least `drift.minSpan` and a reference model exists,
 *      E_b = |b − b_ref| / √(u²(b) + u²(b_ref)) is judged (warn/fail thresholds); a change of
 *      its level is an event.
 * - Never throws: a reading the fit cannot take (e.g. no u in a weighted fit) is reported as an
 *   'info' verdict and skipped.
 */
import type { StandardConfig } from './config.js';
import { EVENT_DRIFT_RATE, EVENT_STEP } from './lifecycle.js';
import { DAY_MS, finiteOrNull, verdict, type DriftSlice, type Outcome } from './state.js';
import { Cusum, OnlineLinearFit, checkDriftRate, checkReading, type ReferenceModel } from './stats/index.js';

export class DriftCheck {
  private fit: OnlineLinearFit | null;
  private cusum: Cusum;
  private readonly model: ReferenceModel | null;

  constructor(
    private readonly cfg: StandardConfig,
    readonly slice: DriftSlice,
  ) {
    const ref = cfg.reference;
    this.model = ref ? { x0: ref.x0, uX0: ref.uX0, t0: 0, bRef: ref.driftPerDay, uBRef: ref.uDriftPerDay } : null;
    if (ref && slice.epochMs === null) slice.epochMs = Date.parse(ref.t0);
    this.fit = slice.fit ? OnlineLinearFit.fromSnapshot(slice.fit) : null;
    this.cusum = slice.cusum ? Cusum.fromSnapshot(slice.cusum) : new Cusum({ k: cfg.step.k, h: cfg.step.h });
  }

  /** Brings the JSON slice up to date with the live fit and CUSUM (before a snapshot or a report). */
  sync(): DriftSlice {
    this.slice.fit = this.fit ? this.fit.snapshot() : null;
    this.slice.cusum = this.cusum.snapshot();
    return this.slice;
  }

  result() {
    return this.fit?.result() ?? null;
  }

  /** Forgets the CUSUM's partial sums (a trip begins: what follows is judged afresh). */
  resetCusum(): void {
    this.cusum.reset();
  }

  get cusumState(): { sPlus: number; sMinus: number; k: number; h: number } {
    return { sPlus: this.cusum.sPlus, sMinus: this.cusum.sMinus, k: this.cfg.step.k, h: this.cfg.step.h };
  }

  private days(t: number): number {
    return (t - (this.slice.epochMs ?? t)) / DAY_MS;
  }

  /** E_n of a corrected reading against the reference model. */
  judgeReading(out: Outcome, t: number, value: number, u: number | undefined): void {
    if (!this.model || this.slice.epochMs === null) return;
    try {
      const ref = this.cfg.reference!;
      const c = checkReading(this.model, { t: this.days(t), y: value, uY: u ?? 0, uTransport: ref.uTransport, k: this.cfg.drift.k });
      const result = c.pass ? 'pass' : 'fail';
      this.slice.en = { value: finiteOrNull(c.en), result, at: t, deviation: c.deviation };
      // The figure is E_n; the signed deviation is stated only when it fails.
      out.verdicts.push(verdict('prediction', result, c.en, c.pass ? undefined : `deviation ${c.deviation.toPrecision(4)} ${this.cfg.unit}`));
    } catch (err) {
      out.verdicts.push(verdict('prediction', 'info', null, `not judged: ${(err as Error).message}`));
    }
  }

  /** A good reading: CUSUM on its prediction error, then into the fit, then E_b. */
  fitReading(out: Outcome, t: number, value: number, u: number | undefined): void {
    const cfg = this.cfg;
    const s = this.slice;
    if (s.epochMs === null) s.epochMs = t;
    const td = this.days(t);
    const y = value - cfg.nominal;
    const hasU = u !== undefined && Number.isFinite(u) && u > 0;
    const mode = this.fit?.mode ?? (cfg.drift.fit === 'auto' ? (hasU ? 'wls' : 'ols') : cfg.drift.fit);
    if (mode === 'wls' && !hasU) {
      out.verdicts.push(verdict('drift', 'info', null, 'not fitted: a weighted fit needs u > 0'));
      return;
    }

    const before = this.fit?.result() ?? null;
    if (before && before.n >= cfg.step.minPoints && before.residualSd > 0) {
      const z = (y - before.predict(td).value) / before.residualSd;
      const alarm = this.cusum.update(z, t);
      if (alarm) {
        const size = alarm.shiftZ * before.residualSd;
        s.steps += 1;
        s.lastStep = { at: t, onsetAt: alarm.onset.at, sign: alarm.sign, sizeZ: alarm.shiftZ, size, samples: alarm.samples };
        out.verdicts.push(verdict('step', 'fail', size, `step ${size.toPrecision(3)} ${cfg.unit} since ${alarm.onset.at === null ? '?' : new Date(alarm.onset.at).toISOString()}`));
        out.events.push({
          type: EVENT_STEP,
          time: t,
          standard: cfg.id,
          severity: 'warning',
          message: `${cfg.id}: step of ${size.toPrecision(3)} ${cfg.unit} (${alarm.shiftZ.toFixed(2)} residual SDs) detected`,
          data: { sign: alarm.sign, size, sizeZ: alarm.shiftZ, onsetAt: alarm.onset.at, samples: alarm.samples, statistic: alarm.statistic },
        });
        if (cfg.step.restartFit) {
          this.fit = null;
          s.segment += 1;
          s.segmentStart = t;
          s.eb = null;
        }
      } else {
        out.verdicts.push(verdict('step', 'pass', Math.max(this.cusum.sPlus, this.cusum.sMinus)));
      }
    }

    if (!this.fit) {
      this.fit = new OnlineLinearFit({ mode });
      if (s.segmentStart === null) s.segmentStart = t;
    }
    try {
      this.fit.add(td, y, this.fit.mode === 'wls' ? u : undefined);
    } catch (err) {
      out.verdicts.push(verdict('drift', 'info', null, `not fitted: ${(err as Error).message}`));
      return;
    }
    this.judgeRate(out, t);
  }

  private judgeRate(out: Outcome, t: number): void {
    const ref = this.cfg.reference;
    const r = this.fit?.result() ?? null;
    if (!ref || !r || r.n < this.cfg.drift.minPoints) return;
    // A slope fitted over seconds says nothing about a drift per day: judged once the fit spans minSpan.
    if (this.slice.segmentStart === null || t - this.slice.segmentStart < this.cfg.drift.minSpan) return;
    let eb: number;
    let level: 'pass' | 'warn' | 'fail';
    try {
      const c = checkDriftRate(
        { b: r.slope, uB: r.uSlope, bRef: ref.driftPerDay, uBRef: ref.uDriftPerDay },
        { warn: this.cfg.drift.warn, fail: this.cfg.drift.fail },
      );
      eb = c.eb;
      level = c.verdict;
    } catch (err) {
      out.verdicts.push(verdict('drift_rate', 'info', null, `not judged: ${(err as Error).message}`));
      return;
    }
    const previous = this.slice.eb?.result ?? 'pass';
    this.slice.eb = { value: finiteOrNull(eb), result: level, at: t };
    out.verdicts.push(verdict('drift_rate', level, eb, level === 'pass' ? undefined : `b = ${r.slope.toPrecision(4)} ± ${r.uSlope.toPrecision(2)} ${this.cfg.unit}/d`));
    if (previous !== level) {
      out.events.push({
        type: EVENT_DRIFT_RATE,
        time: t,
        standard: this.cfg.id,
        severity: level === 'fail' ? 'alarm' : level === 'warn' ? 'warning' : 'info',
        message: `${this.cfg.id}: drift rate ${level} (E_b ${Number.isFinite(eb) ? eb.toFixed(2) : eb})`,
        data: { eb: finiteOrNull(eb), slopePerDay: r.slope, uSlopePerDay: r.uSlope, bRef: ref.driftPerDay, uBRef: ref.uDriftPerDay },
      });
    }
  }
}
