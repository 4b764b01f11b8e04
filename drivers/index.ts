/**
 * The driver registry: adding an instrument family is a folder here plus one line in this list.
 * Importing a driver has no side effects.
 */
import type { DriverDefinition } from '../src/kit.js';
import { scpiDriver } from './scpi/index.js';
import { vaisalaPtu300Driver } from './vaisala-ptu300/index.js';
import { modbusDriver } from './modbus/index.js';
import { hp3458aDriver } from './hp3458a/index.js';
import { fluke1594aDriver } from './fluke-1594a/index.js';
import { fluke8508aDriver } from './fluke-8508a/index.js';
import { fluke1529Driver } from './fluke-1529/index.js';

export const drivers: readonly DriverDefinition[] = [scpiDriver, vaisalaPtu300Driver, modbusDriver, hp3458aDriver, fluke1594aDriver, fluke8508aDriver, fluke1529Driver];
