/**
 * The instrument kit's entry into src/: the one module drivers/ and simulators/ import from the
 * gateway (a test fails on any other path under src/, see test/unit/import-boundaries.test.ts).
 * It re-exports only the seams an instrument needs: the driver contract, link interfaces,
 * readings and identities, the error catalogue, the clock and logger types, `duration()` for
 * options, and the random generator the simulated physics draws from. When one of these moves
 * inside src/, this file changes and no instrument does.
 */
export type { Driver, DriverDeps, DriverDefinition, LineDriverDefinition, RegisterDriverDefinition } from './core/driver.js';
export type { DeviceIdentity, QualityFlag, RawReading } from './core/types.js';
export { TgError, isAbort, type ErrorCode } from './core/errors.js';
export type { Clock } from './core/clock.js';
export type { Logger } from './core/logger.js';
export type { LineIO, LineLink, QueryResult, ReceivedLine, RegisterLink } from './links/types.js';
export { modbusExceptionCode } from './links/modbus/errors.js';
export { duration } from './config/duration.js';
export { createRng, type Rng } from './checks/stats/random.js';
export { z } from 'zod';
