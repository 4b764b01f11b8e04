import { drivers } from '../drivers/index.js';
import { simulators } from '../simulators/index.js';
import type { Registry } from './config/schema.js';

/** The drivers and simulators this build knows: the explicit lists in drivers/ and simulators/. */
export const registry: Registry = { drivers, simulators };
