import type { DeviceIdentity } from '../core/types.js';

/** `paused`: connected, but not polling while the journal is full (policy stop). */
export type DeviceState = 'connecting' | 'connected' | 'paused' | 'faulted' | 'stopped';

/** The live state of one device, as the status API shows it. */
export interface DeviceStatus {
  id: string;
  driver: string;
  link: string;
  state: DeviceState;
  /** Acquisitions (polls, stream lines) taken since start. */
  readings: number;
  errors: number;
  errorsByCode: Record<string, number>;
  lastReadingAt: string | null;
  lastError: string | null;
  identity: DeviceIdentity | null;
  identityMatches: boolean;
}

/** Keeps a device's counters; the runner mutates it, the API reads a copy. */
export class DeviceStatusTracker {
  private readonly s: DeviceStatus;
  /** UTC ms of the last acquisition; formatted only when someone reads the status. */
  private lastReadingMs: number | null = null;

  constructor(id: string, driver: string, link: string) {
    this.s = {
      id,
      driver,
      link,
      state: 'connecting',
      readings: 0,
      errors: 0,
      errorsByCode: {},
      lastReadingAt: null,
      lastError: null,
      identity: null,
      identityMatches: true,
    };
  }

  get state(): DeviceState {
    return this.s.state;
  }

  setState(state: DeviceState): DeviceState {
    const previous = this.s.state;
    this.s.state = state;
    return previous;
  }

  setIdentity(identity: DeviceIdentity | null, matches: boolean): void {
    this.s.identity = identity;
    this.s.identityMatches = matches;
  }

  countReading(atUtcMs: number): void {
    this.s.readings++;
    this.lastReadingMs = atUtcMs;
  }

  countError(code: string, detail: string): void {
    this.s.errors++;
    this.s.errorsByCode[code] = (this.s.errorsByCode[code] ?? 0) + 1;
    this.s.lastError = `${code}: ${detail}`;
  }

  snapshot(): DeviceStatus {
    const lastReadingAt = this.lastReadingMs === null ? null : new Date(this.lastReadingMs).toISOString();
    return { ...this.s, lastReadingAt, errorsByCode: { ...this.s.errorsByCode }, identity: this.s.identity ? { ...this.s.identity } : null };
  }
}
