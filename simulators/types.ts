import type { z } from 'zod';
import type { Clock, Logger } from '../src/kit.js';
import type { World } from './physics/world.js';

/** Where a running simulator can be reached. */
export interface Endpoint {
  tcp?: { host: string; port: number };
  /** The gateway's end of a pseudo-terminal pair whose other end the simulator holds. */
  serialPath?: string;
}

/** A fault a simulator reproduces on request (each simulator documents the ones it supports). */
export interface Fault {
  type: string;
  /** How many replies the fault affects; omitted = until cleared with { type: 'clear' }. */
  count?: number;
  [option: string]: unknown;
}

/** The device side of a wire protocol, reachable over TCP or a serial path. */
export interface Simulator {
  readonly kind: string;
  start(): Promise<Endpoint>;
  stop(): Promise<void>;
  inject(fault: Fault): void;
}

export interface SimulatorListen {
  tcp?: { host: string; port: number };
  serial?: { path: string };
}

export interface SimulatorDeps {
  world: World;
  clock: Clock;
  log: Logger;
  listen: SimulatorListen;
}

export interface SimulatorDefinition<C = any> {
  kind: string;
  description: string;
  config: z.ZodType<C, any>;
  create(cfg: C, deps: SimulatorDeps): Simulator;
}
