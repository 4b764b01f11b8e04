/**
 * The `sinks` section of the configuration. Each sink is optional, and a sink whose `url` is empty
 * is off: `url: ${TRAVELGATE_INFLUX_URL:-}` switches it on from the environment and leaves it off
 * when the variable is unset. Passwords belong in the environment too (`password: ${INFLUX_PW}`).
 *
 * The sink names (`influx`, `mqtt`) are the keys of their journal cursors: they never change.
 */
import { z } from 'zod';
import { duration } from '../config/duration.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const SINK_NAMES = ['influx', 'mqtt'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

const retry = z
  .object({
    initial: duration({ min: 1, max: DAY }).default(500).describe('first delay after a failed delivery'),
    max: duration({ min: 1, max: DAY }).default(30_000).describe('the delay doubles (with jitter) up to this'),
  })
  .strict()
  .refine((r) => r.max >= r.initial, { message: 'must be at least `initial`', path: ['max'] })
  .prefault({})
  .describe('exponential backoff with jitter between failed deliveries');

const off = z.literal('').describe('empty: the sink is off');

export const influxSinkConfig = z
  .object({
    url: z
      .union([off, z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL (or empty: off)' })])
      .describe('InfluxDB 1.x base URL, e.g. http://influx:8086 (2.x/3.x: their v1-compatible endpoint); empty: off'),
    database: z.string().min(1).default('travelgate'),
    username: z.string().optional(),
    password: z.string().optional().describe('give it through ${ENV}; InfluxDB 2.x/3.x: a token'),
    retentionPolicy: z.string().optional(),
    createDatabase: z.boolean().default(true).describe('CREATE DATABASE (idempotent) before the first write'),
    batchSize: z.number().int().min(1).max(50_000).default(5000).describe('records per write (each is one point)'),
    flushInterval: duration({ max: HOUR }).default(250).describe('a partial batch is written this long after its first record (short, so that the records are still in the journal\'s in-memory tail and need no SQLite read)'),
    timeout: duration({ min: 1, max: HOUR }).default(10_000).describe('HTTP request timeout'),
    retry,
  })
  .strict();

export const mqttSinkConfig = z
  .object({
    url: z
      .union([off, z.url({ protocol: /^mqtts?$/, error: 'expected an mqtt:// or mqtts:// URL (or empty: off)' })])
      .describe('the comparison platform broker, e.g. mqtts://platform.example:8883; empty: off'),
    clientId: z.string().min(1).max(128).optional().describe('fixed client id (default travelgate-<gateway.id>)'),
    comparison: z.string().optional().describe('topic level for the comparison (default gateway.comparison)'),
    topicPrefix: z.string().min(1).default('travelgate'),
    sessionExpiry: duration({ max: 0xffff_ffff * 1000 }).default(7 * 86_400_000).describe('how long the broker keeps the session while the gateway is away'),
    username: z.string().optional(),
    password: z.string().optional().describe('give it through ${ENV}'),
    ca: z.string().optional().describe('path to the CA certificate (PEM) that signed the broker'),
    cert: z.string().optional().describe('path to the client certificate (PEM)'),
    key: z.string().optional().describe('path to the client private key (PEM)'),
    rejectUnauthorized: z.boolean().default(true),
    inflight: z.number().int().min(1).max(65_535).default(16).describe('messages published and awaiting PUBACK at most'),
    batchSize: z.number().int().min(1).max(50_000).default(1000).describe('records handed to one delivery at most'),
    linger: duration({ max: HOUR }).default(20).describe('a partial batch is sent this long after its first record'),
    messageRecords: z.number().int().min(1).max(10_000).default(200).describe('records packed into one MQTT message at most'),
    messageBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024).describe('bytes of one MQTT message payload at most (a single larger record goes alone)'),
    connectTimeout: duration({ min: 1, max: HOUR }).default(10_000),
    keepalive: duration({ min: 1000, max: 65_535_000 }).default(30_000).describe('MQTT keep-alive (whole seconds, at most 65535 s)'),
    retry,
  })
  .strict();

export const sinksConfig = z
  .object({
    influx: influxSinkConfig.optional(),
    mqtt: mqttSinkConfig.optional(),
  })
  .strict()
  .prefault({})
  .describe('where journal records are forwarded; each sink drains the journal from its own cursor');

export type InfluxSinkConfig = z.infer<typeof influxSinkConfig>;
export type MqttSinkConfig = z.infer<typeof mqttSinkConfig>;
export type SinksConfig = z.infer<typeof sinksConfig>;
