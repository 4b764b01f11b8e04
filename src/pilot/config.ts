/**
 * The configuration of `travelgate pilot`: one comparison, the gateways it accepts, the broker,
 * the store, the API and how results are computed. One zod schema is the validator and the type.
 *
 * Contract:
 * - Every problem is reported at once as `path: message` (`loadPilotConfig`), `${ENV}` is
 *   substituted first (as in the gateway's configuration), durations are '500ms', '2s', '7d'.
 * - Cross-references are checked here too: a gateway's lab is a participating lab, the pilot lab
 *   is one of them, a lab token names a participating lab, gateway ids and token names are unique,
 *   every public key file can be read and is an Ed25519 key, and the TLS files can be read.
 * - Times are ISO 8601 with a zone; reference values in the standard's unit, drift per day.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { readConfigDocument, schemaIssueMessage } from '../config/document.js';
import { formatPath, type ConfigIssue } from '../config/format.js';
import { keyIdOf, loadPublicKey } from '../integrity/seal.js';
import { mqttSinkConfig } from '../sinks/config.js';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, "-", "_" or "."');
/** A topic level: no MQTT wildcards or separators. */
const topicLevel = z.string().min(1).regex(/^[^/#+]+$/, 'expected a topic level without "/", "+" or "#"');
const isoTime = z
  .string()
  .regex(/(Z|[+-]\d\d:?\d\d)$/, 'expected an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');

const country = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code, e.g. DE');

/** A laboratory as its DCC file names it (dcc:calibrationLaboratory, dcc:customer for the pilot). */
const laboratory = z
  .object({
    name: z.string().min(1).describe('e.g. "Physikalisch-Technische Bundesanstalt"'),
    city: z.string().min(1).optional(),
    countryCode: country.optional(),
  })
  .strict();

const reference = z
  .object({
    t0: isoTime.describe('time origin of the model'),
    x0: z.number().describe('value at t0, in `unit`'),
    uX0: z.number().nonnegative().describe('standard uncertainty of x0'),
    driftPerDay: z.number().describe('drift rate b_ref, `unit`/day'),
    uDriftPerDay: z.number().nonnegative().describe('u(b_ref)'),
    uTransport: z.number().nonnegative().default(0).describe('transport uncertainty u_T (k=1), added to every comparison with the model'),
  })
  .strict()
  .describe("the pilot's reference model of the standard from its stability and transport tests");

const standard = z
  .object({
    id: id.describe('the standard id the gateways use (their `standards[].id`)'),
    description: z.string().optional().describe('e.g. "Fluke 732B s/n 1234567"'),
    quantity: z.string().min(1).default('voltage'),
    nominal: z.number(),
    unit: z.string().min(1).default('V'),
    reference,
  })
  .strict();

const gateway = z
  .object({
    id: id.describe('the gateway id (its `gateway.id`)'),
    lab: id.describe('the lab it belongs to'),
    publicKeys: z.array(z.string().min(1)).min(1).describe('its Ed25519 public key files (.pub); several while a key is rotated'),
  })
  .strict();

const token = z
  .object({
    name: z.string().min(1),
    token: z.string().min(16, 'a token needs at least 16 characters'),
    lab: id.optional().describe("a lab's token sees only that lab's data; without `lab` the token is the pilot's and sees all"),
  })
  .strict();

/** The broker: the gateway's platform sink options (TLS, credentials, session), and what only a receiver has. */
const broker = mqttSinkConfig
  .pick({ sessionExpiry: true, username: true, password: true, ca: true, cert: true, key: true, rejectUnauthorized: true, connectTimeout: true, keepalive: true })
  .extend({
    url: z.url({ protocol: /^mqtts?$/, error: 'expected an mqtt:// or mqtts:// URL' }).describe('the comparison platform broker, e.g. mqtts://platform.example:8883'),
    clientId: z.string().min(1).max(128).describe('fixed: the broker keeps the persistent session under it; unique per receiver'),
    topicPrefix: z.string().regex(/^[^/#+]+(\/[^/#+]+)*$/, 'expected topic levels without "+", "#" or empty levels').default('travelgate').describe("the gateways' sinks.mqtt.topicPrefix"),
    sharedGroup: z.union([z.literal(''), topicLevel]).optional().describe('MQTT 5 shared subscription group: receivers with the same group split the stream (empty: none)'),
    receiveMaximum: z.number().int().min(1).max(65_535).default(1000).describe('unacknowledged messages the broker may send at once'),
  })
  .strict();

const store = z
  .object({
    sqlite: z.string().optional().describe('the SQLite file (default <dataDir>/pilot.sqlite); used unless `postgres` is given'),
    postgres: z.string().optional().describe('a postgres:// URL: several receivers and the page share this one state'),
    schema: topicLevel.regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier').default('travelgate_pilot').describe('PostgreSQL schema: one per comparison'),
  })
  .strict()
  .prefault({});

const api = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8090),
    tokens: z.array(token).default([]),
    tls: z.object({ cert: z.string(), key: z.string() }).strict().optional(),
  })
  .strict()
  .prefault({});

export const pilotConfigSchema = z
  .object({
    comparison: z
      .object({
        id: topicLevel.describe('the comparison id: the topic level the gateways publish under'),
        title: z.string().optional(),
        pilot: id.describe('the pilot lab'),
        labs: z.array(id).min(1).describe('participating labs in circulation order (the pilot first and last for an A-B-A loop)'),
        standards: z.array(standard).min(1),
        released: z.boolean().default(false).describe('false: blind, a lab sees only its own data; true: labs also see the reference value and every degree of equivalence'),
      })
      .strict(),
    gateways: z.array(gateway).min(1),
    broker,
    store,
    dataDir: z.string().default('./pilot-data'),
    api,
    ingest: z
      .object({
        linger: duration().default(20).describe('received messages wait at most this long before one store transaction'),
        maxBatch: z.number().int().min(1).max(100_000).default(2000).describe('messages in one store transaction at most'),
      })
      .strict()
      .prefault({}),
    results: z
      .object({
        k: z.number().positive().default(2).describe('coverage factor of expanded uncertainties and E_n'),
        minReadings: z.number().int().min(2).default(3).describe('verified readings a lab needs for a result'),
        dcc: z
          .object({
            countryCode: country.optional().describe("the pilot lab's country, for dcc:countryCodeISO3166_1 (default: the pilot's entry in `laboratories`)"),
            language: z.string().regex(/^[a-z]{2}$/, 'expected an ISO 639-1 code, e.g. en').default('en'),
            laboratories: z
              .record(id, laboratory)
              .default({})
              .describe('by lab id: how each laboratory is named and located in its DCC file (default: its id and no location)'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
  })
  .strict();

export type PilotConfig = z.infer<typeof pilotConfigSchema>;
export type PilotStandard = PilotConfig['comparison']['standards'][number];
export type PilotGateway = PilotConfig['gateways'][number];
export type DccLaboratory = z.infer<typeof laboratory>;

export type PilotConfigResult = { ok: true; config: PilotConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates a pilot configuration (YAML text); relative paths of key and certificate files are
 *  taken from `baseDir` (the configuration file's folder). */
export function parsePilotConfig(text: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): PilotConfigResult {
  const doc = readConfigDocument(text, pilotConfigSchema, env);
  if (!doc.ok) return doc;
  const { parsed, issues } = doc;
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: formatPath(issue.path), message: schemaIssueMessage(issue) });
    return { ok: false, issues };
  }
  const config = parsed.data;
  const at = (f: string) => (isAbsolute(f) ? f : resolve(baseDir, f));
  for (const g of config.gateways) g.publicKeys = g.publicKeys.map(at);
  for (const what of ['ca', 'cert', 'key'] as const) if (config.broker[what]) config.broker[what] = at(config.broker[what]);
  if (config.api.tls) config.api.tls = { cert: at(config.api.tls.cert), key: at(config.api.tls.key) };
  issues.push(...crossCheck(config));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config };
}

export function loadPilotConfig(file: string, env: NodeJS.ProcessEnv = process.env): PilotConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: file, message: (err as Error).message }] };
  }
  return parsePilotConfig(text, env, dirname(resolve(file)));
}

function crossCheck(c: PilotConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const labs = new Set(c.comparison.labs);
  if (!labs.has(c.comparison.pilot)) issues.push({ path: 'comparison.pilot', message: `"${c.comparison.pilot}" is not among comparison.labs` });
  unique(c.comparison.standards.map((s) => s.id), 'comparison.standards', issues);
  unique(c.gateways.map((g) => g.id), 'gateways', issues);
  unique(c.api.tokens.map((t) => t.name), 'api.tokens', issues);
  const keyOwners = new Map<string, string>();
  c.gateways.forEach((g, i) => {
    if (!labs.has(g.lab)) issues.push({ path: `gateways[${i}].lab`, message: `"${g.lab}" is not among comparison.labs` });
    g.publicKeys.forEach((file, j) => {
      try {
        const keyId = keyIdOf(loadPublicKey(file));
        const owner = keyOwners.get(keyId);
        if (owner !== undefined && owner !== g.id) issues.push({ path: `gateways[${i}].publicKeys[${j}]`, message: `key ${keyId} is also the key of gateway "${owner}"` });
        keyOwners.set(keyId, g.id);
      } catch (err) {
        issues.push({ path: `gateways[${i}].publicKeys[${j}]`, message: `cannot load an Ed25519 public key from ${file}: ${(err as Error).message}` });
      }
    });
  });
  for (const lab of Object.keys(c.results.dcc.laboratories)) {
    if (!labs.has(lab)) issues.push({ path: `results.dcc.laboratories.${lab}`, message: `"${lab}" is not among comparison.labs` });
  }
  c.api.tokens.forEach((t, i) => {
    if (t.lab !== undefined && !labs.has(t.lab)) issues.push({ path: `api.tokens[${i}].lab`, message: `"${t.lab}" is not among comparison.labs` });
  });
  for (const what of ['ca', 'cert', 'key'] as const) {
    const file = c.broker[what];
    if (file) readable(file, `broker.${what}`, issues);
  }
  if (c.api.tls) for (const what of ['cert', 'key'] as const) readable(c.api.tls[what], `api.tls.${what}`, issues);
  if (c.store.postgres !== undefined && c.store.postgres !== '' && !/^postgres(ql)?:\/\//.test(c.store.postgres)) {
    issues.push({ path: 'store.postgres', message: 'expected a postgres:// or postgresql:// URL (or leave it out for SQLite)' });
  }
  return issues;
}

function readable(file: string, path: string, issues: ConfigIssue[]): void {
  try {
    readFileSync(file);
  } catch (err) {
    issues.push({ path, message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
  }
}

function unique(ids: string[], path: string, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  ids.forEach((v, i) => {
    if (seen.has(v)) issues.push({ path: `${path}[${i}]`, message: `"${v}" appears twice` });
    seen.add(v);
  });
}
