/**
 * The simulator registry: one folder per simulated instrument plus one line in this list.
 */
import type { SimulatorDefinition } from './types.js';
import { scpiDmmSimulator } from './scpi-dmm/index.js';
import { vaisalaPtu300Simulator } from './vaisala-ptu300/index.js';
import { modbusSimulator } from './modbus/index.js';
import { prologix3458aSimulator } from './prologix-3458a/index.js';
import { fluke1594aSimulator } from './fluke-1594a/index.js';
import { fluke8508aSimulator } from './fluke-8508a/index.js';
import { fluke1529Simulator } from './fluke-1529/index.js';

export const simulators: readonly SimulatorDefinition[] = [scpiDmmSimulator, vaisalaPtu300Simulator, modbusSimulator, prologix3458aSimulator, fluke1594aSimulator, fluke8508aSimulator, fluke1529Simulator];
