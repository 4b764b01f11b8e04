/**
 * The simulator registry: one folder per simulated instrument plus one line in this list.
 */
import type { SimulatorDefinition } from './types.js';
import { scpiDmmSimulator } from './scpi-dmm/index.js';
import { vaisalaPtu300Simulator } from './vaisala-ptu300/index.js';

export const simulators: readonly SimulatorDefinition[] = [scpiDmmSimulator, vaisalaPtu300Simulator];
