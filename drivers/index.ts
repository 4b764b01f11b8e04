/**
 * The driver registry: adding an instrument family is a folder here plus one line in this list.
 * Importing a driver has no side effects.
 */
import type { DriverDefinition } from '../src/core/driver.js';
import { scpiDriver } from './scpi/index.js';
import { vaisalaPtu300Driver } from './vaisala-ptu300/index.js';
import { modbusDriver } from './modbus/index.js';
import { hp3458aDriver } from './hp3458a/index.js';
import { fluke1594aDriver } from './fluke-1594a/index.js';

export const drivers: readonly DriverDefinition[] = [scpiDriver, vaisalaPtu300Driver, modbusDriver, hp3458aDriver, fluke1594aDriver];
