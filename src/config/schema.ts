import { z } from 'zod';
import type { DriverDefinition } from '../core/driver.js';
import type { SimulatorDefinition } from '../../simulators/types.js';
import { worldConfig } from '../../simulators/physics/world.js';
import { serialLinkConfig, tcpLinkConfig } from '../links/config.js';
import { modbusRtuLinkConfig, modbusTcpLinkConfig } from '../links/modbus/config.js';
import { prologixLinkConfig } from '../links/prologix-config.js';
import { duration } from './duration.js';
import { byteSize } from './size.js';
import { sinksConfig, type SinksConfig } from '../sinks/config.js';
import { standardsConfig, type StandardConfig } from '../checks/config.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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
      interval: duration({ min: 1, max: DAY, zero: 'back to back: the next request as soon as the reply is in' })
        .default(1000)
        .describe('time between polls, on a grid shared by the devices (multiples of it since start); 0: back to back'),
      timeout: duration({ min: 1, max: HOUR }).default(2000).describe("every request's timeout"),
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
                  token: z.string().refine((t) => t === '' || t.length >= 16, 'a token needs at least 16 characters'),
                  rights: z.array(z.enum(['read', 'operate'])).min(1).default(['read', 'operate']),
                })
                .strict(),
            )
            .default([])
            .describe('bearer tokens (give them through ${ENV}); mutating routes need the right "operate"'),
          requireTokenForReads: z.boolean().default(false).describe('reads (status, readings, events, metrics) need a token with the right "read" too'),
          generateOperatorToken: z
            .boolean()
            .default(false)
            .describe('a token left empty (its ${ENV:-} unset) is made at start and shown once on the terminal (demos); otherwise an empty token is an error'),
          cors: z
            .object({
              origins: z
                .array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'expected an origin like https://lab.example.org, or *'))
                .default([]),
            })
            .strict()
            .prefault({})
            .describe("origins whose web pages may read this API; empty (default): CORS off, no other site's page can read it"),
          tls: z
            .object({
              cert: z.string().min(1).describe('PEM certificate (chain) file'),
              key: z.string().min(1).describe('PEM private key file'),
            })
            .strict()
            .optional()
            .describe('serve HTTPS instead of HTTP'),
          hostNames: z
            .array(z.string().min(1))
            .default([])
            .describe(
              'names and addresses the API is reached by besides loopback (localhost, 127.0.0.1, ::1) and `host` itself: ' +
                'a request whose Host header names anything else is refused (403), so a web page on another site cannot read ' +
                'the API through DNS rebinding; "*" accepts any name',
            ),
          maxEventStreams: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(32)
            .describe('live event streams (status pages, GET /api/v1/events) open at once; one more is answered 503'),
        })
        .strict()
        .superRefine((api, ctx) => {
          api.tokens.forEach((t, i) => {
            if (t.token === '' && !api.generateOperatorToken) {
              ctx.addIssue({
                code: 'custom',
                path: ['tokens', i, 'token'],
                message: 'the token is empty (is its environment variable set?); set api.generateOperatorToken: true to have one made at start',
              });
            }
          });
        })
        .prefault({}),
      journal: z
        .object({
          path: z.string().optional().describe('default: <dataDir>/journal.sqlite'),
          retention: duration({ min: 60_000 }).default(365 * 86_400_000).describe('records older than this may be deleted once delivered'),
          commitInterval: duration({ max: 10_000 }).default(1000).describe('group commit: appends share one transaction (one fsync), committed at the next multiple of this interval on the monotonic clock (the devices\' poll grid), so at most this long after the first of them; a reading is acknowledged when its transaction commits. Each commit rewrites whole pages (about one per device that gave a reading), so a shorter interval costs storage writes and CPU with fast devices: lower it for a lower latency to the sinks'),
          maxSize: byteSize()
            .refine((n) => n >= 1_000_000, 'the journal needs at least 1MB')
            .optional()
            .describe('cap on the journal file, e.g. "2GB"; at the cap delivered records go first, then fullPolicy applies'),
          fullPolicy: z
            .enum(['stop', 'drop_oldest'])
            .default('stop')
            .describe('at the cap with undelivered records: stop (readings wait, acquisition pauses) or drop_oldest (a journaled gap event)'),
        })
        .strict()
        .prefault({}),
      integrity: z
        .object({
          keyFile: z.string().optional().describe('Ed25519 private key (PKCS#8 PEM, mode 0600) that signs the seals; absent or empty: <dataDir>/seal.key; the public key is <keyFile>.pub'),
          generateKey: z.boolean().default(false).describe('generate the key pair at start when keyFile does not exist (demos); otherwise run `travelgate keygen --out FILE`'),
          sealEvery: z
            .object({
              records: z.number().int().min(1).default(1000).describe('seal once this many records are unsealed'),
              interval: duration({ min: 10, max: DAY }).default(1000).describe('seal this long after the first unsealed record'),
            })
            .strict()
            .prefault({}),
        })
        .strict()
        .optional()
        .describe('Ed25519 seals over the hash chain; without this section records are chained but not sealed'),
      log: z
        .object({
          level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
          format: z
            .enum(['auto', 'json', 'pretty'])
            .default('auto')
            .describe('auto: readable lines on a terminal, JSON lines otherwise (systemd, Docker, pipes); pretty: always readable'),
        })
        .strict()
        .prefault({}),
      links: z.array(z.discriminatedUnion('type', [tcpLinkConfig, serialLinkConfig, modbusRtuLinkConfig, modbusTcpLinkConfig, prologixLinkConfig])).default([]),
      devices: z.array(device).default([]),
      simulators: z.array(simulator).default([]),
      standards: standardsConfig,
      sinks: sinksConfig,
      world: worldConfig.prefault({}),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type LinkConfigEntry =
  | z.infer<typeof tcpLinkConfig>
  | z.infer<typeof serialLinkConfig>
  | z.infer<typeof modbusRtuLinkConfig>
  | z.infer<typeof modbusTcpLinkConfig>
  | z.infer<typeof prologixLinkConfig>;

/** The validated configuration. Device and simulator options stay loosely typed here: each driver
 *  and simulator validated and typed its own part. */
export interface Config {
  gateway: { id: string; lab: string; comparison?: string; dataDir: string };
  api: {
    host: string;
    port: number;
    tokens: { name: string; token: string; rights: ('read' | 'operate')[] }[];
    requireTokenForReads: boolean;
    generateOperatorToken: boolean;
    cors: { origins: string[] };
    tls?: { cert: string; key: string };
    hostNames: string[];
    maxEventStreams: number;
  };
  journal: { path?: string; retention: number; commitInterval: number; maxSize?: number; fullPolicy: 'stop' | 'drop_oldest' };
  integrity?: { keyFile?: string; generateKey: boolean; sealEvery: { records: number; interval: number } };
  log: { level: string; format?: 'auto' | 'json' | 'pretty' };
  links: LinkConfigEntry[];
  devices: DeviceConfig[];
  simulators: SimulatorConfig[];
  standards: StandardConfig[];
  sinks: SinksConfig;
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
