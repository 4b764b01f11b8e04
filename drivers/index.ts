/**
 * The driver registry: adding an instrument family is a folder here plus one line in this list.
 * Importing a driver has no side effects.
 */
import type { DriverDefinition } from '../src/core/driver.js';
import { scpiDriver } from './scpi/index.js';
import { vaisalaPtu300Driver } from './vaisala-ptu300/index.js';

export const drivers: readonly DriverDefinition[] = [scpiDriver, vaisalaPtu300Driver];
