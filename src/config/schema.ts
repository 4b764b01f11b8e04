import { z } from 'zod';
import type { DriverDefinition } from '../core/driver.js';
import type { SimulatorDefinition } from '../../simulators/types.js';
import { worldConfig } from '../../simulators/physics/world.js';
import { serialLinkConfig, tcpLinkConfig } from '../links/config.js';
import { modbusRtuLinkConfig, modbusTcpLinkConfig } from '../links/modbus/config.js';
import { duration } from './duration.js';

/** The extension points the configuration is validated against (drivers/index.ts, simulators/index.ts). */
export interface Registry {
  drivers: readonly DriverDefinition[];
  simulators: readonly SimulatorDefinition[];
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, "-", "_" or "."');

const identityExpectation = z
  .object({
    manufacturer: z.string().optional(),
    model: z.string().optional(),
    serial: z.string().optional(),
  })
  .strict()
  .describe('what the instrument must report (e.g. *IDN?); a mismatch flags every reading identity_mismatch');

function deviceSchema(def: DriverDefinition) {
  return z
    .object({
      id,
      driver: z.literal(def.kind),
      link: z.string().min(1).describe('the id of the link the device is on'),
      interval: duration().default(1000).describe('time between polls'),
      timeout: duration().default(2000).describe("every request's timeout"),
      identity: identityExpectation.optional(),
      enabled: z.boolean().default(true),
      options: def.config.prefault({}),
    })
    .strict()
    .describe(def.description);
}

function simulatorSchema(def: SimulatorDefinition) {
  return z
    .object({
      id,
      kind: z.literal(def.kind),
      listen: z
        .object({
          tcp: z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) }).strict().optional(),
          serial: z.object({ path: z.string().min(1) }).strict().optional(),
        })
        .strict()
        .describe('TCP (port 0 picks a free port) and/or a pseudo-terminal created at `serial.path`'),
      options: def.config.prefault({}),
    })
    .strict()
    .describe(def.description);
}

/** Builds the one schema that validates, types and documents a configuration file. */
export function buildConfigSchema(registry: Registry) {
  const devices = registry.drivers.map(deviceSchema);
  const simulators = registry.simulators.map(simulatorSchema);
  const device = z.discriminatedUnion('driver', devices as any);
  const simulator = z.discriminatedUnion('kind', simulators as any);
  return z
    .object({
      gateway: z
        .object({
          id: id.describe('this gateway, unique in the comparison'),
          lab: id.describe('the laboratory running it'),
          comparison: z.string().optional().describe('the comparison identifier, e.g. EURAMET.EM-K8'),
          dataDir: z.string().default('./data').describe('journal and keys live here'),
        })
        .strict(),
      api: z
        .object({
          host: z.string().default('127.0.0.1'),
          port: z.number().int().min(0).max(65535).default(8080),
          tokens: z
            .array(
              z
                .object({
                  name: z.string().min(1),
                  token: z.string().min(16, 'a token needs at least 16 characters'),
                  rights: z.array(z.enum(['read', 'operate'])).min(1).default(['read', 'operate']),
                })
                .strict(),
            )
            .default([])
            .describe('bearer tokens (give them through ${ENV}); mutating routes need the right "operate"'),
          requireTokenForReads: z.boolean().default(false),
        })
        .strict()
        .prefault({}),
      journal: z
        .object({
          path: z.string().optional().describe('default: <dataDir>/journal.sqlite'),
          retention: duration().default(365 * 86_400_000).describe('records older than this may be deleted once delivered'),
          commitInterval: duration().default(20).describe('group commit: appends within this window share a transaction'),
        })
        .strict()
        .prefault({}),
      log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
      links: z.array(z.discriminatedUnion('type', [tcpLinkConfig, serialLinkConfig, modbusRtuLinkConfig, modbusTcpLinkConfig])).default([]),
      devices: z.array(device).default([]),
      simulators: z.array(simulator).default([]),
      world: worldConfig.prefault({}),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type LinkConfigEntry =
  | z.infer<typeof tcpLinkConfig>
  | z.infer<typeof serialLinkConfig>
  | z.infer<typeof modbusRtuLinkConfig>
  | z.infer<typeof modbusTcpLinkConfig>;

/** The validated configuration. Device and simulator options stay loosely typed here: each driver
 *  and simulator validated and typed its own part. */
export interface Config {
  gateway: { id: string; lab: string; comparison?: string; dataDir: string };
  api: {
    host: string;
    port: number;
    tokens: { name: string; token: string; rights: ('read' | 'operate')[] }[];
    requireTokenForReads: boolean;
  };
  journal: { path?: string; retention: number; commitInterval: number };
  log: { level: string };
  links: LinkConfigEntry[];
  devices: DeviceConfig[];
  simulators: SimulatorConfig[];
  world: z.infer<typeof worldConfig>;
}

export interface DeviceConfig {
  id: string;
  driver: string;
  link: string;
  interval: number;
  timeout: number;
  identity?: { manufacturer?: string; model?: string; serial?: string };
  enabled: boolean;
  options: unknown;
}

export interface SimulatorConfig {
  id: string;
  kind: string;
  listen: { tcp?: { host: string; port: number }; serial?: { path: string } };
  options: unknown;
}
