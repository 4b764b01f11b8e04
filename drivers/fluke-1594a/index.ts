/**
 * The Fluke 1594A/1595A Super-Thermometer on RS-232 (or a serial device server). See README.md
 * for options, the STAT:OPER? polling choice and the faults handled.
 */
import type { LineDriverDefinition } from '../../src/core/driver.js';
import { fluke1594aConfig, resolveFluke1594aConfig, type Fluke1594aConfig } from './config.js';
import { createFluke1594aDriver } from './driver.js';

export const fluke1594aDriver: LineDriverDefinition<Fluke1594aConfig> = {
  kind: 'fluke-1594a',
  linkKind: 'line',
  description: 'a Fluke 1594A/1595A Super-Thermometer: *IDN?, STAT:OPER?, FETC?, SYST:ERR?',
  config: fluke1594aConfig,
  create: (cfg, deps) => createFluke1594aDriver(resolveFluke1594aConfig(cfg), deps),
};

export type { Fluke1594aConfig } from './config.js';
export { parseFetch, parseIdn, parseStatusRegister, parseSystErr } from './parse.js';
