import type { z } from 'zod';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { DeviceIdentity, RawReading } from './types.js';
import type { LineLink, LinkKind, RegisterLink } from '../links/types.js';

/** What a driver may call back into: counting the instrument's own errors without throwing. */
export interface DriverDeps<L> {
  link: L;
  log: Logger;
  clock: Clock;
  /** Every request's timeout, from the device's configuration. */
  timeoutMs: number;
  /** Counts an error by code (e.g. 'SCPI_-113', 'TG_PARSE_ERROR') and keeps its detail for status. */
  reportError(code: string, detail: string): void;
}

/**
 * A driver for one instrument family: data plus a factory. Importing it has no side effects;
 * constructors do no I/O. A driver takes the link's lock (`link.exclusive`) for each transaction.
 */
export interface Driver {
  /** Opens the session (identity query, setup commands). Returns the identity the instrument
   *  reported, or null when the protocol has none. Acquisition compares it with the configuration. */
  connect(signal: AbortSignal): Promise<DeviceIdentity | null>;
  /** Polled devices: one reading cycle, which becomes one acquisition record (one reading per
   *  channel, each channel at most once). A garbled reply becomes a flagged reading or a reported
   *  error; a thrown TgError means the cycle failed as a whole (timeout, link down). */
  read?(signal: AbortSignal): Promise<RawReading[]>;
  /** Pushing devices: calls onAcquisition with each line's or scan's readings (one acquisition)
   *  until the signal aborts or the link fails. */
  stream?(onAcquisition: (readings: RawReading[]) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

interface DefinitionBase<C> {
  kind: string;
  description: string;
  /** Its part of the YAML (the device's `options`), validated with the rest of the configuration. */
  config: z.ZodType<C, any>;
  /** The channel names a device with these (validated) options can give, when the driver knows
   *  them: check-config refuses a standard that names another channel of the device. */
  channels?(cfg: C): readonly string[];
  /** The link types it works on, when not every link of its kind will do (a GPIB instrument needs
   *  a `prologix` link): check-config refuses a device on another. */
  linkTypes?: readonly string[];
}

export interface LineDriverDefinition<C = any> extends DefinitionBase<C> {
  linkKind: 'line';
  create(cfg: C, deps: DriverDeps<LineLink>): Driver;
}

export interface RegisterDriverDefinition<C = any> extends DefinitionBase<C> {
  linkKind: 'registers';
  create(cfg: C, deps: DriverDeps<RegisterLink>): Driver;
}

export type DriverDefinition<C = any> = LineDriverDefinition<C> | RegisterDriverDefinition<C>;

export function linkKindOf(def: DriverDefinition): LinkKind {
  return def.linkKind;
}
