import type { LineDriverDefinition } from '../../src/kit.js';
import { DEFAULT_FIELDS, ptu300Config, type Ptu300Config } from './config.js';
import { createPtu300Driver } from './driver.js';

export { ptu300Config, DEFAULT_FIELDS, type Ptu300Config, type FieldSpec } from './config.js';
export { parseLine, lineFormat, failedReadings, type LineFormat, type ParseResult } from './parse.js';

/** Vaisala PTU300 / HMT330 series over RS-232 (default 4800 7E1, CR LF) or a serial device server. */
export const vaisalaPtu300Driver: LineDriverDefinition<Ptu300Config> = {
  kind: 'vaisala-ptu300',
  description: 'Vaisala PTU300 / HMT330 transmitter, ASCII protocol (SEND polled, or R/INTV streaming)',
  linkKind: 'line',
  config: ptu300Config,
  create: (cfg, deps) => createPtu300Driver(cfg, deps),
  channels: (cfg) => Object.values({ ...DEFAULT_FIELDS, ...cfg.fields }).map((f) => f.channel),
};
