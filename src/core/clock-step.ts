/**
 * Detecting steps of the wall clock (an NTP step, an operator's `date -s`, a VM resumed from
 * suspend) by comparing its progress with the monotonic clock's.
 *
 * Contract:
 * - `sample()` reads both clocks and compares their offset (wall − monotonic) with the previous
 *   sample's. Between two samples the offset may drift by slewing only, at most
 *   `maxSlewRate` × elapsed monotonic time (default 0.1: chrony slews at up to 8.3 %); a change
 *   larger than that plus `thresholdMs` (default 100 ms) is a step. The step is remembered as the
 *   monotonic interval between the two samples (it happened somewhere in there) with its size.
 * - `affects(fromMono, toMono)` samples first, then says whether a step interval, widened by
 *   `marginMs` (default 2 s) on each side, overlaps [fromMono, toMono]: a reading whose request and
 *   answer span that interval (or that was taken right after a step) gets the `clock_step` flag.
 *   Readings journaled before a step was detected cannot be flagged afterwards (the chain is
 *   append-only); the `onStep` event marks the place instead.
 * - `start()` samples whenever `sampleMs` (default 250 ms) passed without a sample, so that a step
 *   is pinned to a short interval even when no reading is taken; while readings sample more often
 *   than that, its timer never fires (each sample pushes it out) and never wakes the process. The
 *   timer does not keep the process alive. `stop()` ends it.
 * - Cheap: a sample is two clock reads and a subtraction. Only the last `keep` steps are kept.
 */
import type { Clock } from './clock.js';

export interface ClockStep {
  /** Monotonic ms of the last sample before the step and of the sample that saw it. */
  fromMono: number;
  toMono: number;
  /** How far the wall clock jumped relative to the monotonic clock, ms (negative: backwards). */
  stepMs: number;
  /** Wall-clock UTC ms when the step was seen (after the step). */
  seenAt: number;
}

export interface ClockStepOptions {
  thresholdMs?: number;
  maxSlewRate?: number;
  marginMs?: number;
  sampleMs?: number;
  /** Steps remembered (default 16). */
  keep?: number;
}

export class ClockStepDetector {
  readonly #clock: Clock;
  readonly #thresholdMs: number;
  readonly #maxSlewRate: number;
  readonly #marginMs: number;
  readonly #sampleMs: number;
  readonly #keep: number;
  #lastMono: number;
  #lastOffset: number;
  #steps: ClockStep[] = [];
  #timer: NodeJS.Timeout | undefined;
  #listeners: ((step: ClockStep) => void)[] = [];

  constructor(clock: Clock, options: ClockStepOptions = {}) {
    this.#clock = clock;
    this.#thresholdMs = options.thresholdMs ?? 100;
    this.#maxSlewRate = options.maxSlewRate ?? 0.1;
    this.#marginMs = options.marginMs ?? 2_000;
    this.#sampleMs = options.sampleMs ?? 250;
    this.#keep = options.keep ?? 16;
    this.#lastMono = clock.monotonic();
    this.#lastOffset = clock.now() - this.#lastMono;
  }

  /** The steps seen so far (the last `keep`), oldest first. */
  get steps(): readonly ClockStep[] {
    return this.#steps;
  }

  onStep(listener: (step: ClockStep) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Compare the clocks now; returns the step found since the previous sample, if any. */
  sample(): ClockStep | undefined {
    const mono = this.#clock.monotonic();
    const wall = this.#clock.now();
    const offset = wall - mono;
    const elapsed = Math.max(0, mono - this.#lastMono);
    const change = offset - this.#lastOffset;
    let step: ClockStep | undefined;
    if (Math.abs(change) > this.#thresholdMs + this.#maxSlewRate * elapsed) {
      step = { fromMono: this.#lastMono, toMono: mono, stepMs: change, seenAt: wall };
      this.#steps.push(step);
      if (this.#steps.length > this.#keep) this.#steps.shift();
    }
    this.#lastMono = mono;
    this.#lastOffset = offset;
    this.#timer?.refresh();
    if (step) for (const l of this.#listeners) l(step);
    return step;
  }

  /** True when a step (widened by the margin) overlaps the monotonic interval [fromMono, toMono]. */
  affects(fromMono: number, toMono: number = fromMono): boolean {
    this.sample();
    const m = this.#marginMs;
    return this.#steps.some((s) => s.fromMono - m <= toMono && s.toMono + m >= fromMono);
  }

  start(): void {
    if (this.#timer) return;
    // A timeout that sample() pushes out (refresh), and that re-arms itself the same way.
    this.#timer = setTimeout(() => this.sample(), this.#sampleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
