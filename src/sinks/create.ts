/**
 * Builds the configured sinks and their runners. Nothing connects here: a runner starts draining
 * on `start()`, and the sink connects on its first delivery.
 *
 * Contract:
 * - Only sinks with a non-empty `url` are built; `configuredSinkNames` says which.
 * - TLS files are read here, so a missing CA or key fails the start with TG_CONFIG_INVALID naming
 *   the path (never the contents).
 * - The MQTT comparison level is `sinks.mqtt.comparison`, else `gateway.comparison`; without
 *   either the start fails with TG_CONFIG_INVALID.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { TgError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SinksConfig, SinkName } from './config.js';
import { InfluxSink } from './influx/sink.js';
import { MqttSink } from './mqtt/sink.js';
import { topicsFor } from './mqtt/topics.js';
import { SinkRunner, type SinkJournal } from './runner.js';
import type { Sink } from './types.js';

export interface SinkGatewayInfo {
  id: string;
  lab: string;
  comparison?: string;
}

export function configuredSinkNames(sinks: SinksConfig): SinkName[] {
  const names: SinkName[] = [];
  if (sinks.influx && sinks.influx.url !== '') names.push('influx');
  if (sinks.mqtt && sinks.mqtt.url !== '') names.push('mqtt');
  return names;
}

export function createSinks(sinks: SinksConfig, gateway: SinkGatewayInfo, log: Logger): Sink[] {
  const out: Sink[] = [];
  const influx = sinks.influx;
  if (influx && influx.url !== '') {
    out.push(
      new InfluxSink({
        url: influx.url,
        database: influx.database,
        ...(influx.username !== undefined ? { username: influx.username } : {}),
        ...(influx.password !== undefined ? { password: influx.password } : {}),
        ...(influx.retentionPolicy !== undefined ? { retentionPolicy: influx.retentionPolicy } : {}),
        batchSize: influx.batchSize,
        flushIntervalMs: influx.flushInterval,
        timeoutMs: influx.timeout,
        createDatabase: influx.createDatabase,
        gateway: gateway.id,
        lab: gateway.lab,
        log: log.child({ sink: 'influx' }),
      }),
    );
  }
  const mqtt = sinks.mqtt;
  if (mqtt && mqtt.url !== '') {
    const comparison = mqtt.comparison ?? gateway.comparison;
    if (!comparison) {
      throw new TgError('TG_CONFIG_INVALID', 'sinks.mqtt: set sinks.mqtt.comparison or gateway.comparison (it is a topic level)');
    }
    let topics;
    try {
      topics = topicsFor(mqtt.topicPrefix, comparison, gateway.lab);
    } catch (err) {
      throw new TgError('TG_CONFIG_INVALID', `sinks.mqtt: ${(err as Error).message}`);
    }
    out.push(
      new MqttSink({
        url: mqtt.url,
        clientId: mqtt.clientId ?? `travelgate-${gateway.id}`,
        topics,
        gateway: gateway.id,
        lab: gateway.lab,
        comparison,
        sessionExpirySeconds: Math.min(0xffff_ffff, Math.round(mqtt.sessionExpiry / 1000)),
        ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
        ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
        ...(mqtt.ca !== undefined ? { ca: readPem(mqtt.ca, 'sinks.mqtt.ca') } : {}),
        ...(mqtt.cert !== undefined ? { cert: readPem(mqtt.cert, 'sinks.mqtt.cert') } : {}),
        ...(mqtt.key !== undefined ? { key: readPem(mqtt.key, 'sinks.mqtt.key') } : {}),
        rejectUnauthorized: mqtt.rejectUnauthorized,
        inflight: mqtt.inflight,
        batchSize: mqtt.batchSize,
        flushIntervalMs: mqtt.linger,
        messageRecords: mqtt.messageRecords,
        messageBytes: mqtt.messageBytes,
        connectTimeoutMs: mqtt.connectTimeout,
        keepaliveSeconds: Math.max(1, Math.round(mqtt.keepalive / 1000)),
        log: log.child({ sink: 'mqtt' }),
      }),
    );
  }
  return out;
}

/** One runner per configured sink, each with the backoff its section asks for. */
export function createSinkRunners(
  sinks: SinksConfig,
  gateway: SinkGatewayInfo,
  deps: { journal: SinkJournal; clock: Clock; log: Logger },
): SinkRunner[] {
  return createSinks(sinks, gateway, deps.log).map((sink) => {
    const retry = (sink.name === 'influx' ? sinks.influx?.retry : sinks.mqtt?.retry) ?? { initial: 500, max: 30_000 };
    return new SinkRunner(sink, { ...deps, log: deps.log.child({ component: 'sinks' }), backoff: { initialMs: retry.initial, maxMs: retry.max } });
  });
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TgError('TG_CONFIG_INVALID', `${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
