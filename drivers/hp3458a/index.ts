/**
 * The Keysight (HP) 3458A DMM behind a Prologix GPIB-ETHERNET adapter (TCP port 1234). See
 * README.md for options, the command sequence and the faults handled.
 */
import type { LineDriverDefinition } from '../../src/core/driver.js';
import { hp3458aConfig, resolveHp3458aConfig, type Hp3458aConfig } from './config.js';
import { createHp3458aDriver } from './driver.js';

export const hp3458aDriver: LineDriverDefinition<Hp3458aConfig> = {
  kind: 'hp3458a',
  linkKind: 'line',
  description: 'a Keysight/HP 3458A through a Prologix GPIB-ETHERNET adapter: ID?, TRIG SGL, TEMP?, ERRSTR?',
  config: hp3458aConfig,
  create: (cfg, deps) => createHp3458aDriver(resolveHp3458aConfig(cfg), deps),
};

export type { Hp3458aConfig } from './config.js';
export { escapeForPrologix, adapterSetupCommands } from './prologix.js';
export { parseErrstr, parseHp3458Id, parseHp3458Number } from './parse.js';
