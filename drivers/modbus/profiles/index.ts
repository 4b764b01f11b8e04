/**
 * The register-map profiles a device or a simulated unit may name with `profile:`. Adding a
 * model is a file in this folder plus one line in this list.
 */
import { caseLogger } from './case-logger.js';
import { envSensor } from './env-sensor.js';
import type { ModbusProfile } from './types.js';
import { vaisalaHmt330 } from './vaisala-hmt330.js';

export type { ModbusProfile } from './types.js';

export const PROFILES: readonly ModbusProfile[] = [vaisalaHmt330, envSensor, caseLogger];

export const PROFILE_NAMES = PROFILES.map((p) => p.name) as [string, ...string[]];

export function findProfile(name: string): ModbusProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
