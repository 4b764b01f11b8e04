/**
 * The rig of the driver contract suite: one table row becomes a small YAML configuration (one
 * simulator, one link naming it, one device), validated by the real `parseConfig` against the
 * real registry; the simulator is started by `SimulatorHost`, the link by `createLink` with the
 * host's endpoint lookup, and the driver by its registered definition, exactly as the gateway
 * and acquisition wire them. Nothing here knows a particular driver: everything specific is in
 * the row.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FakeClock, systemClock, type Clock } from '../../src/core/clock.js';
import type { Driver, DriverDefinition } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/logger.js';
import type { DeviceIdentity, QualityFlag, RawReading } from '../../src/core/types.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config, DeviceConfig } from '../../src/config/schema.js';
import { createLink } from '../../src/links/create.js';
import type { Link } from '../../src/links/types.js';
import { registry } from '../../src/registry.js';
import { SimulatorHost } from '../../simulators/host.js';
import type { Fault, Simulator } from '../../simulators/types.js';

export type Transport = 'tcp' | 'serial';

/** What a fault must do to one read cycle. */
export type FaultOutcome =
  /** read() rejects with a TgError of this code. */
  | { throws: string }
  /** read() resolves; every reading has value null and flags [flag]; `reported` was counted once. */
  | { flag: QualityFlag; reported: string | Record<Transport, string> };

export interface FaultCase {
  inject: Fault;
  outcome: FaultOutcome;
}

/** One row of the contract table: a driver, its simulator and what the pair must show. */
export interface ContractCase {
  /** A short label, unique in the table. */
  name: string;
  /** A driver kind in drivers/index.ts. */
  driver: string;
  /** A simulator kind in simulators/index.ts. */
  simulator: string;
  /** The transports this pair runs over (serial = a socat pty; RTU for Modbus). */
  transports: readonly Transport[];
  simulatorOptions?: Record<string, unknown>;
  deviceOptions?: Record<string, unknown>;
  /** Extra keys of the link entry (framing), for either transport. */
  linkOptions?: Record<string, unknown>;
  /** The device's request timeout, ms. */
  timeoutMs: number;
  /** What connect() must return: the simulator's identity, or null for protocols without one. */
  identity: DeviceIdentity | null;
  /** The readings of one cycle: [channel, quantity, unit] in order. */
  channels: readonly (readonly [string, string, string])[];
  /** Optional expected values by channel: [value, tolerance]. */
  values?: Record<string, readonly [number, number]>;
  /** The simulator measures on a FakeClock advanced by this much before every read. */
  samplePeriodMs?: number;
  /** No reply at all (no_reply / timeout). */
  timeout: FaultCase;
  /** A damaged reply (garbled / crc). */
  garbled: FaultCase;
}

export const RECONNECT = { initial: 50, max: 500 };

/** The configuration text a row gives for one transport (serial paths under `dir`). */
export function renderConfig(row: ContractCase, transport: Transport, dir: string): string {
  const modbus = registry.drivers.find((d) => d.kind === row.driver)?.linkKind === 'registers';
  const path = `${dir}/${row.simulator}.tty`;
  const listen = transport === 'tcp' ? { tcp: { host: '127.0.0.1', port: 0 } } : { serial: { path } };
  const link =
    transport === 'tcp'
      ? { id: 'line', type: modbus ? 'modbus-tcp' : 'tcp', simulator: 'sim' }
      : { id: 'line', type: modbus ? 'modbus-rtu' : 'serial', path };
  const expectation = row.identity && { manufacturer: row.identity.manufacturer, model: row.identity.model, serial: row.identity.serial };
  return stringify({
    gateway: { id: 'contract', lab: 'TEST' },
    world: {
      seed: 7,
      lab: { temperature: 23, temperatureSwing: 0 },
      standards: [{ id: 'z1', nominal: 10, noise: 0 }],
    },
    simulators: [{ id: 'sim', kind: row.simulator, listen, options: row.simulatorOptions ?? {} }],
    links: [{ ...link, reconnect: RECONNECT, ...row.linkOptions }],
    devices: [
      {
        id: 'dev',
        driver: row.driver,
        link: 'line',
        timeout: `${row.timeoutMs}ms`,
        ...(expectation ? { identity: expectation } : {}),
        options: row.deviceOptions ?? {},
      },
    ],
  });
}

export interface Rig {
  config: Config;
  device: DeviceConfig;
  host: SimulatorHost;
  sim: Simulator;
  link: Link;
  driver: Driver;
  /** Error codes the driver reported, in order. */
  errors: string[];
  connect(): Promise<DeviceIdentity | null>;
  /** One read cycle as acquisition runs it (after advancing the fake clock, if any). */
  read(): Promise<RawReading[]>;
  close(): Promise<void>;
}

const signal = new AbortController().signal;

/** Builds and starts everything a row describes, through the configuration path. */
export async function startRig(row: ContractCase, transport: Transport, dir: string): Promise<Rig> {
  const parsed = parseConfig(renderConfig(row, transport, dir), registry, {});
  if (!parsed.ok) throw new Error(`${row.name}: invalid configuration: ${JSON.stringify(parsed.issues)}`);
  const config = parsed.config;
  const device = config.devices[0]!;
  const log = silentLogger();
  const fake = row.samplePeriodMs !== undefined ? new FakeClock(Date.UTC(2026, 5, 1)) : undefined;
  const clock: Clock = fake ?? systemClock;
  const host = new SimulatorHost(registry.simulators, config.world, { clock, log });
  await host.start(config.simulators);
  let link: Link | undefined;
  try {
    // Links always run on the system clock: their backoff sleeps must elapse by themselves.
    link = createLink(config.links[0]!, { clock: systemClock, log, simulatorEndpoint: (id) => host.get(id)?.endpoint.tcp });
    const def = registry.drivers.find((d) => d.kind === device.driver) as DriverDefinition;
    const errors: string[] = [];
    const driver = (def.create as (c: unknown, d: object) => Driver)(device.options, {
      link,
      log,
      clock,
      timeoutMs: device.timeout,
      reportError: (code: string) => errors.push(code),
    });
    link.start();
    await link.waitConnected(5000);
    const started = link;
    return {
      config,
      device,
      host,
      sim: host.get('sim')!.simulator,
      link,
      driver,
      errors,
      connect: () => driver.connect(signal),
      read: () => {
        if (fake) fake.advance(row.samplePeriodMs!);
        return driver.read!(signal);
      },
      close: async () => {
        await driver.close().catch(() => undefined);
        await started.close();
        await host.stop();
      },
    };
  } catch (err) {
    await link?.close();
    await host.stop();
    throw err;
  }
}

/** Polls until `condition` holds; throws after `ms`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const DRIVERS_DIR = fileURLToPath(new URL('../../drivers', import.meta.url));

/** Every row of every driver folder: `contract` exported by drivers/<kind>/test/contract.ts. */
export async function discoverContractCases(): Promise<ContractCase[]> {
  const folders = readdirSync(DRIVERS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory());
  const rows: ContractCase[] = [];
  for (const folder of folders.map((f) => f.name).sort()) {
    let files: string[];
    try {
      files = readdirSync(join(DRIVERS_DIR, folder, 'test'));
    } catch {
      continue;
    }
    if (!files.includes('contract.ts')) continue;
    const mod = (await import(join(DRIVERS_DIR, folder, 'test', 'contract.ts'))) as { contract?: readonly ContractCase[] };
    if (!mod.contract) throw new Error(`drivers/${folder}/test/contract.ts exports no \`contract\``);
    rows.push(...mod.contract);
  }
  return rows;
}
