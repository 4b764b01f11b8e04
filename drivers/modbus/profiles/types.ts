import type { RegisterSpecInput } from '../registers.js';

/** A device model's register map as data: what a `profile:` name in the configuration stands for. */
export interface ModbusProfile {
  name: string;
  description: string;
  /** Where the map comes from (manual and table), so it can be checked. */
  source: string;
  registers: readonly RegisterSpecInput[];
}
