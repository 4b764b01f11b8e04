/**
 * SCPI instruments on a line link (Keysight 34465A/34470A, Keithley 2182A, any DMM that answers
 * *IDN?, READ? and SYST:ERR?). See README.md for options, presets and the faults handled.
 */
import type { LineDriverDefinition } from '../../src/core/driver.js';
import { resolveScpiConfig, scpiConfig, type ScpiConfig } from './config.js';
import { createScpiDriver } from './driver.js';

export const scpiDriver: LineDriverDefinition<ScpiConfig> = {
  kind: 'scpi',
  linkKind: 'line',
  description: 'a SCPI instrument (Keysight 34465A/34470A, Keithley 2182A): *IDN?, setup, READ?, SYST:ERR?',
  config: scpiConfig,
  create: (cfg, deps) => createScpiDriver(resolveScpiConfig(cfg), deps),
};

export type { ScpiConfig } from './config.js';
export { SCPI_PRESETS, type ScpiPresetName } from './presets.js';
export { parseIdn, parseScpiNumber, parseSystErr } from './parse.js';
