/**
 * Shared set-up for the Modbus integration tests: a simulator on a real pty and/or loopback TCP,
 * a link made by createLink, and drivers used as acquisition uses them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import type { Driver } from '../../src/core/driver.js';
import type { RawReading } from '../../src/core/types.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLink } from '../../src/links/create.js';
import { modbusRtuLinkConfig, modbusTcpLinkConfig } from '../../src/links/modbus/config.js';
import type { RegisterLink } from '../../src/links/types.js';
import { modbusDriver } from '../../drivers/modbus/index.js';
import { ModbusSimulator, modbusSimulator } from '../../simulators/modbus/index.js';
import { World, worldConfig } from '../../simulators/physics/world.js';
import type { Endpoint } from '../../simulators/types.js';

export type Transport = 'rtu' | 'tcp';

export interface SimHandle {
  sim: ModbusSimulator;
  endpoint: Endpoint;
  stop(): Promise<void>;
}

export async function startSimulator(options: unknown, transports: Transport[]): Promise<SimHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-modbus-'));
  const sim = modbusSimulator.create(modbusSimulator.config.parse(options), {
    world: new World(worldConfig.parse({})),
    clock: systemClock,
    log: silentLogger(),
    listen: {
      ...(transports.includes('tcp') ? { tcp: { host: '127.0.0.1', port: 0 } } : {}),
      ...(transports.includes('rtu') ? { serial: { path: join(dir, 'rs485') } } : {}),
    },
  }) as ModbusSimulator;
  const endpoint = await sim.start();
  return {
    sim,
    endpoint,
    stop: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A started link to the simulator over `transport`; `extra` is merged into its configuration. */
export function linkTo(endpoint: Endpoint, transport: Transport, extra: Record<string, unknown> = {}): RegisterLink {
  const reconnect = { initial: 50, max: 500 };
  const cfg =
    transport === 'rtu'
      ? modbusRtuLinkConfig.parse({ id: 'rtu', type: 'modbus-rtu', path: endpoint.serialPath, reconnect, ...extra })
      : modbusTcpLinkConfig.parse({ id: 'tcp', type: 'modbus-tcp', host: '127.0.0.1', port: endpoint.tcp!.port, reconnect, ...extra });
  const link = createLink(cfg, { clock: systemClock, log: silentLogger() }) as RegisterLink;
  link.start();
  return link;
}

export interface DriverHandle {
  driver: Driver;
  /** Error codes the driver reported, in order. */
  errors: string[];
  read(): Promise<RawReading[]>;
}

export function driverOn(link: RegisterLink, options: unknown, timeoutMs: number): DriverHandle {
  const errors: string[] = [];
  const driver = modbusDriver.create(modbusDriver.config.parse(options), {
    link,
    log: silentLogger(),
    clock: systemClock,
    timeoutMs,
    reportError: (code) => errors.push(code),
  });
  const signal = new AbortController().signal;
  return { driver, errors, read: () => driver.read!(signal) };
}

/** Resolves once `condition` holds; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Polls a driver every `intervalMs` as acquisition does (a slow cycle skips the slots it missed
 * instead of bursting) until the signal aborts; counts cycles whose readings all carry values.
 */
export async function pollLoop(read: () => Promise<{ value: number | null }[]>, intervalMs: number, signal: AbortSignal, counts: { good: number; bad: number }): Promise<void> {
  let next = performance.now();
  while (!signal.aborted) {
    const readings = await read();
    if (readings.every((r) => r.value !== null)) counts.good++;
    else counts.bad++;
    next += intervalMs;
    const now = performance.now();
    if (next < now) next = now;
    await new Promise((r) => setTimeout(r, next - now));
  }
}
