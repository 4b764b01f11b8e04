/**
 * The comparison-platform sink: MQTT 5 through `mqtt` (MQTT.js), QoS 1, a persistent session.
 *
 * Contract:
 * - One connection at a time with a fixed client id, Clean Start off and a Session Expiry
 *   Interval, optional TLS (CA, client certificate and key) and username/password. The last will
 *   is a retained `offline` status; after each connect a retained `online` status is published, and
 *   `close()` publishes `offline` itself before disconnecting (a clean DISCONNECT drops the will).
 * - `deliver(batch)` packs consecutive records into messages on the records topic — a JSON array
 *   of at most `messageRecords` records and `messageBytes` bytes (a larger record goes alone),
 *   each element the record's JSON exactly as the journal made it — and publishes them in seq order, QoS 1, with at most
 *   `inflight` messages awaiting PUBACK (fewer when the broker's Receive Maximum is smaller).
 *   Dashboard events also go, one record per message, to the events topic. A record is confirmed
 *   when every message holding it is PUBACKed; `upTo` only ever covers a contiguous run of
 *   confirmed records, so the cursor moves over a message's records on its PUBACK. The runner's
 *   batching (`flushIntervalMs`, the linger) decides how many records one deliver sees.
 * - Any failure (connect refused, connection lost, a PUBACK with an error reason code) ends the
 *   delivery with SinkError carrying the contiguous confirmed prefix, and drops the connection.
 *   MQTT.js's own reconnect and resend are off (reconnectPeriod 0): the runner backs off and
 *   resends from its cursor on a fresh connection, so no record is ever published twice by two
 *   mechanisms. A record the broker got but whose PUBACK was lost arrives twice; the platform
 *   recognises it by `gateway` and `seq`.
 * - Passwords and keys never reach a log or an error message.
 */
import type { IClientOptions, IConnackPacket, IClientPublishOptions, MqttClient } from 'mqtt';
import { timerMs } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { recordJsonByteLength, writeRecordJson } from '../../integrity/canonical.js';
import type { CommittedRecord } from '../../journal/index.js';
import { describeError, redact, SinkError, type Delivered, type Sink } from '../types.js';
import { openMqttClient } from './client.js';
import { isDashboardEvent, statusPayload, type MqttTopics } from './topics.js';

export interface MqttSinkOptions {
  /** mqtt://host:1883 or mqtts://host:8883 */
  url: string;
  clientId: string;
  topics: MqttTopics;
  gateway: string;
  lab: string;
  comparison: string;
  sessionExpirySeconds: number;
  username?: string;
  password?: string;
  /** PEM contents (not paths). */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  /** Messages awaiting PUBACK at most. */
  inflight: number;
  batchSize: number;
  /** How long the runner may wait to fill a batch (the linger), ms. */
  flushIntervalMs: number;
  /** Records in one message at most, and its approximate size bound in bytes. */
  messageRecords: number;
  messageBytes: number;
  connectTimeoutMs: number;
  keepaliveSeconds: number;
  /** Default 'mqtt'. */
  name?: string;
  log: Logger;
  /** Instrumentation (benchmarks): called with each record's seq when it is confirmed. */
  onConfirmed?: (seq: number) => void;
}

/** QoS 1 and no MQTT 5 properties: encoding them for every message costs about a tenth of the
 *  sink's CPU time, and the payload format (JSON) is part of the platform contract anyway. */
const PUBLISH: IClientPublishOptions = { qos: 1 };

export class MqttSink implements Sink {
  readonly name: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly #o: MqttSinkOptions;
  #client: MqttClient | undefined;
  /** The broker's Receive Maximum from the CONNACK of the current connection, if it sent one. */
  #receiveMaximum: number | undefined;
  #closed = false;

  constructor(options: MqttSinkOptions) {
    this.#o = options;
    this.name = options.name ?? 'mqtt';
    this.batchSize = options.batchSize;
    this.flushIntervalMs = options.flushIntervalMs;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  async deliver(batch: readonly CommittedRecord[], signal: AbortSignal): Promise<Delivered> {
    if (batch.length === 0) return { upTo: 0 };
    const client = await this.#connect(signal);
    const serverMax = this.#receiveMaximum;
    const window = Math.max(1, Math.min(this.#o.inflight, serverMax ?? Number.POSITIVE_INFINITY));
    const { messages, outstanding } = packMessages(batch, this.#o);

    return new Promise<Delivered>((resolve, reject) => {
      let next = 0;
      let inflight = 0;
      let prefix = -1; // index of the last record of the contiguous confirmed run
      let settled = false;

      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        client.removeListener('close', onClose);
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) return resolve({ upTo: batch[batch.length - 1]!.seq });
        if (!signal.aborted) this.#drop(client);
        const upTo = prefix >= 0 ? batch[prefix]!.seq : undefined;
        reject(new SinkError(`MQTT publish failed: ${describeError(err)}`, { ...(upTo !== undefined ? { upTo } : {}), cause: err }));
      };
      const onClose = () => finish(new Error('the connection to the broker closed'));
      const onAbort = () => finish(signal.reason ?? new Error('aborted'));
      client.once('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });

      const acked = (m: Message) => {
        inflight -= 1;
        for (let i = m.from; i <= m.to; i++) {
          outstanding[i]! -= 1;
          if (outstanding[i] === 0) this.#o.onConfirmed?.(batch[i]!.seq);
        }
        while (prefix + 1 < batch.length && outstanding[prefix + 1] === 0) prefix += 1;
        if (prefix === batch.length - 1) finish();
        else pump();
      };
      const pump = () => {
        while (!settled && inflight < window && next < messages.length) {
          const m = messages[next++]!;
          inflight += 1;
          client.publish(m.events ? this.#o.topics.events : this.#o.topics.records, m.payload, PUBLISH, (err) => {
            if (settled) return;
            if (err) return finish(err);
            acked(m);
          });
        }
      };
      pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.connected) {
      try {
        await withTimeout(client.publishAsync(this.#o.topics.status, this.#status('offline'), { qos: 1, retain: true }), 2000);
      } catch {
        // the broker went away: the will says offline
      }
      await withTimeout(client.endAsync(), 2000).catch(() => client.end(true));
    } else {
      client.end(true);
    }
  }

  async #connect(signal: AbortSignal): Promise<MqttClient> {
    if (this.#closed) throw new SinkError('the MQTT sink is closed');
    if (this.#client?.connected) return this.#client;
    if (this.#client) this.#drop(this.#client);
    const o = this.#o;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: o.clientId,
      clean: false,
      properties: { sessionExpiryInterval: o.sessionExpirySeconds },
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs,
      keepalive: o.keepaliveSeconds,
      rejectUnauthorized: o.rejectUnauthorized,
      // Without it mqtt-packet keeps 65 536 two-byte Buffers (one per packet id) for the life of
      // the process: about 6 MiB of heap and 65k objects every full collection walks.
      writeCache: false,
      will: { topic: o.topics.status, payload: Buffer.from(this.#status('offline')), qos: 1, retain: true },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.cert !== undefined ? { cert: o.cert } : {}),
      ...(o.key !== undefined ? { key: o.key } : {}),
    };
    // MQTT.js is loaded on the first connection: a gateway without this sink never pays for it.
    const client = await openMqttClient(o.url, options);
    if (this.#closed) {
      client.end(true);
      throw new SinkError('the MQTT sink is closed');
    }
    // MQTT.js emits 'error' for connection failures; the promise below and finish() report them.
    client.on('error', () => undefined);
    this.#client = client;
    let connected: IConnackPacket | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const cleanup = () => {
          client.removeListener('connect', onConnect);
          client.removeListener('error', onError);
          client.removeListener('close', onClose);
          signal.removeEventListener('abort', onAbort);
        };
        const onConnect = (connack: IConnackPacket) => {
          cleanup();
          connected = connack;
          resolve();
        };
        const onError = (err: Error) => (cleanup(), reject(err));
        const onClose = () => (cleanup(), reject(new Error('the broker closed the connection')));
        const onAbort = () => (cleanup(), reject(signal.reason ?? new Error('aborted')));
        client.once('connect', onConnect);
        client.once('error', onError);
        client.once('close', onClose);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } catch (err) {
      this.#drop(client);
      if (signal.aborted) throw err;
      throw new SinkError(`cannot connect to ${redact(o.url)}: ${describeError(err)}`, { cause: err });
    }
    this.#receiveMaximum = connected?.properties?.receiveMaximum;
    const session = connected?.sessionPresent ? 'resumed' : 'new';
    o.log.info({ broker: redact(o.url), clientId: o.clientId, session }, 'connected to the MQTT broker');
    client.publish(o.topics.status, this.#status('online'), { qos: 1, retain: true }, () => undefined);
    return client;
  }

  #drop(client: MqttClient): void {
    if (this.#client === client) this.#client = undefined;
    client.end(true);
  }

  #status(state: 'online' | 'offline'): string {
    const { gateway, lab, comparison } = this.#o;
    return statusPayload({ gateway, lab, comparison, state, time: Date.now() });
  }
}

/** One PUBLISH: records batch[from..to] (an array on the records topic, one object on the events topic). */
interface Message {
  /** UTF-8, made once and handed to the socket as it is (MQTT.js writes a Buffer payload without
   *  a copy; a string it measures and encodes, a batch's text copied twice more). */
  payload: Buffer;
  from: number;
  to: number;
  events: boolean;
}

/** A record's JSON (recordJson) from the bytes the journal keeps, or from its body text. */
const jsonBytes = (r: CommittedRecord): number => recordJsonByteLength(r.bodyBytes ?? r.body, r.hash);
const writeJson = (buf: Buffer, at: number, r: CommittedRecord): number => writeRecordJson(buf, at, r.bodyBytes ?? r.body, r.hash);

/**
 * The batch as messages, in seq order, and for each record how many messages hold it. A message
 * holds at most `messageRecords` records and `messageBytes` bytes of UTF-8 (a single record larger
 * than that goes alone). Each payload is one Buffer written from the records' bodies and hashes:
 * no text of the batch is concatenated, flattened or encoded on the V8 heap.
 */
export function packMessages(
  batch: readonly CommittedRecord[],
  limits: { messageRecords: number; messageBytes: number },
): { messages: Message[]; outstanding: Int32Array } {
  const messages: Message[] = [];
  const outstanding = new Int32Array(batch.length);
  let from = 0;
  let bytes = 1; // [
  const flush = (to: number) => {
    if (to >= from) {
      const payload = Buffer.allocUnsafe(bytes + 1);
      let at = 0;
      payload[at++] = 0x5b; // [
      for (let i = from; i <= to; i++) {
        if (i > from) payload[at++] = 0x2c; // ,
        at = writeJson(payload, at, batch[i]!);
      }
      payload[at] = 0x5d; // ]
      messages.push({ payload, from, to, events: false });
    }
    from = to + 1;
    bytes = 1;
  };
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!;
    const size = jsonBytes(r);
    const count = i - from;
    if (count > 0 && (count >= limits.messageRecords || bytes + 1 + size + 1 > limits.messageBytes)) flush(i - 1);
    bytes += (i > from ? 1 : 0) + size;
    outstanding[i] = 1;
    if (r.kind === 'event' && isDashboardEvent(r.record)) {
      const payload = Buffer.allocUnsafe(size);
      writeJson(payload, 0, r);
      messages.push({ payload, from: i, to: i, events: true });
      outstanding[i] = 2;
    }
  }
  flush(batch.length - 1);
  return { messages, outstanding };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), timerMs(ms));
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}
