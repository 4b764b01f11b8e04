import type { DeviceIdentity } from '../core/types.js';

export type DeviceState = 'connecting' | 'connected' | 'faulted' | 'stopped';

/** The live state of one device, as the status API shows it. */
export interface DeviceStatus {
  id: string;
  driver: string;
  link: string;
  state: DeviceState;
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
    this.s.lastReadingAt = new Date(atUtcMs).toISOString();
  }

  countError(code: string, detail: string): void {
    this.s.errors++;
    this.s.errorsByCode[code] = (this.s.errorsByCode[code] ?? 0) + 1;
    this.s.lastError = `${code}: ${detail}`;
  }

  snapshot(): DeviceStatus {
    return { ...this.s, errorsByCode: { ...this.s.errorsByCode }, identity: this.s.identity ? { ...this.s.identity } : null };
  }
}
