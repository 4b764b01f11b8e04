/**
 * One device's lines in the log, so that an unplugged instrument says so once instead of once per
 * retry: faults and recoveries, and the errors a driver reports (a garbled PTU300 line, an
 * instrument's SYST:ERR? entry), rate-limited per device.
 *
 * Contract:
 * - `state(next, lastError)`: the first `faulted` since the device was last connected is a `warn`
 *   line with the error; further faults while it keeps failing are silent, except a reminder every
 *   `reminderMs` ("still faulted after …, N attempts"). `connected` after a fault is an `info` line
 *   saying how long it was out; the first `connected` of a run is `info` with the identity.
 *   `connecting` and `stopped` are debug.
 * - `error(code, detail)` (errors the driver or the loop reports while the device runs): the first
 *   of each code within `windowMs` is a `warn` line; the rest are counted and the count is said with
 *   the next line of that code after the window ("and 14 more TG_PARSE_ERROR since …").
 * - `cycleError(code, detail)` (the error that failed a whole cycle and leads to `faulted`): debug,
 *   since the fault line carries it.
 * - Time is the device loop's monotonic clock, so the limits are tested with a fake clock.
 */
import type { Logger } from '../logger.js';
import { humanDuration } from './duration.js';

export interface DeviceLogOptions {
  windowMs?: number;
  reminderMs?: number;
}

export class DeviceLog {
  readonly #log: Logger;
  readonly #device: string;
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #reminderMs: number;
  #everConnected = false;
  /** Since when the device has been failing (monotonic), null while it is fine. */
  #faultedSince: number | null = null;
  #attempts = 0;
  #lastReminder = 0;
  readonly #codes = new Map<string, { at: number; suppressed: number; since: number }>();

  constructor(log: Logger, device: string, now: () => number, options: DeviceLogOptions = {}) {
    this.#log = log;
    this.#device = device;
    this.#now = now;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#reminderMs = options.reminderMs ?? 300_000;
  }

  state(next: string, lastError: string | null, identity?: string): void {
    const t = this.#now();
    const d = this.#device;
    if (next === 'faulted') {
      this.#attempts += 1;
      if (this.#faultedSince === null) {
        this.#faultedSince = t;
        this.#lastReminder = t;
        this.#log.warn({ device: d, error: lastError }, `${d} faulted: ${lastError ?? 'unknown error'}; retrying with backoff`);
      } else if (t - this.#lastReminder >= this.#reminderMs) {
        this.#lastReminder = t;
        this.#log.warn(
          { device: d, error: lastError, attempts: this.#attempts },
          `${d} still faulted after ${humanDuration(t - this.#faultedSince)} (${this.#attempts} attempts): ${lastError ?? 'unknown error'}`,
        );
      }
      return;
    }
    if (next === 'connected') {
      if (this.#faultedSince !== null) {
        this.#log.info(
          { device: d, attempts: this.#attempts, outageMs: Math.round(t - this.#faultedSince) },
          `${d} connected again after ${humanDuration(t - this.#faultedSince)} (${this.#attempts} failed attempt${this.#attempts === 1 ? '' : 's'})`,
        );
      } else if (!this.#everConnected) {
        this.#log.info({ device: d }, `${d} connected${identity ? `: ${identity}` : ''}`);
      }
      this.#everConnected = true;
      this.#faultedSince = null;
      this.#attempts = 0;
      return;
    }
    this.#log.debug({ device: d, state: next }, `${d} ${next}`);
  }

  error(code: string, detail: string): void {
    const t = this.#now();
    const d = this.#device;
    const c = this.#codes.get(code);
    if (c && t - c.at < this.#windowMs) {
      c.suppressed += 1;
      return;
    }
    const more = c && c.suppressed > 0 ? ` (and ${c.suppressed} more ${code} in the ${humanDuration(t - c.since)} before, not logged)` : '';
    this.#codes.set(code, { at: t, suppressed: 0, since: t });
    this.#log.warn({ device: d, code, detail }, `${d}: ${code}: ${detail}${more}`);
  }

  cycleError(code: string, detail: string): void {
    this.#log.debug({ device: this.#device, code, detail }, 'device cycle failed');
  }
}
