/**
 * The receiver's MQTT 5 side (MQTT.js): a persistent session under a fixed client id, QoS 1.
 *
 * Contract:
 * - Subscribes `{prefix}/{comparison}/+/records`, as `$share/{group}/…` when a shared group is
 *   configured (receivers of one group split the stream; each message goes to one of them), and
 *   `{prefix}/{comparison}/+/status` without sharing (retained messages are not sent to shared
 *   subscriptions, and every receiver wants every gateway's status).
 * - Clean Start off and a Session Expiry Interval: messages published while the receiver is away
 *   wait in its session at the broker. Receive Maximum bounds what is unacknowledged at once.
 * - Each message is committed to the inbox, then handed to `onMessage`, and only then
 *   acknowledged (MQTT.js sends the PUBACK when `handleMessage` calls back); while the ingest
 *   queue is full the acknowledgement waits, which stops the broker from sending more.
 * - MQTT.js reconnects by itself (1 s); passwords and keys never reach the log. The options are
 *   the gateway's platform sink options (src/sinks/config.ts); the client is the sink's
 *   (src/sinks/mqtt/client.ts: TCP or TLS, TCP_NODELAY).
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../core/logger.js';
import { openMqttClient } from '../sinks/mqtt/client.js';
import { redact } from '../sinks/types.js';
import type { PilotConfig } from './config.js';
import type { Inbox, InboxMessage } from './inbox.js';

export interface SubscriberOptions {
  broker: PilotConfig['broker'];
  comparison: string;
  inbox: Inbox;
  log: Logger;
  onMessage: (m: InboxMessage) => void;
  /** Resolves when there is room for more messages. */
  whenRoom: () => Promise<void>;
  now?: () => number;
}

export function subscriptionTopics(broker: PilotConfig['broker'], comparison: string): { records: string; status: string } {
  const base = `${broker.topicPrefix}/${comparison}/+`;
  return { records: broker.sharedGroup ? `$share/${broker.sharedGroup}/${base}/records` : `${base}/records`, status: `${base}/status` };
}

export class Subscriber {
  readonly #o: SubscriberOptions;
  #client: MqttClient | undefined;
  #connected = false;
  #stopped = false;

  constructor(options: SubscriberOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects and subscribes; resolves on the first successful subscription. */
  async start(): Promise<void> {
    const b = this.#o.broker;
    const now = this.#o.now ?? Date.now;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: b.clientId,
      clean: false,
      keepalive: Math.max(1, Math.round(b.keepalive / 1000)),
      connectTimeout: b.connectTimeout,
      reconnectPeriod: 1000,
      resubscribe: false,
      properties: { sessionExpiryInterval: Math.round(b.sessionExpiry / 1000), receiveMaximum: b.receiveMaximum },
      rejectUnauthorized: b.rejectUnauthorized,
      ...(b.username ? { username: b.username } : {}), // '' from an unset ${VAR:-}: none
      ...(b.password ? { password: b.password } : {}),
      ...(b.ca ? { ca: readFileSync(b.ca) } : {}),
      ...(b.cert ? { cert: readFileSync(b.cert) } : {}),
      ...(b.key ? { key: readFileSync(b.key) } : {}),
    };
    const topics = subscriptionTopics(b, this.#o.comparison);
    const client = await openMqttClient(b.url, options);
    if (this.#stopped) {
      client.end(true);
      return;
    }
    this.#client = client;
    client.handleMessage = (packet, callback) => {
      const topic = String(packet.topic);
      const payload = typeof packet.payload === 'string' ? packet.payload : packet.payload.toString('utf8');
      let message: InboxMessage;
      try {
        message = this.#o.inbox.add(topic, payload, now());
      } catch (err) {
        // Not stored: no PUBACK, so the broker sends it again after the reconnect.
        this.#o.log.error({ err }, 'inbox write failed; dropping the connection');
        client.end(true);
        return;
      }
      this.#o.onMessage(message);
      void this.#o.whenRoom().then(() => callback());
    };
    client.on('error', (err) => this.#o.log.warn({ broker: redact(b.url), err: { message: redact(err.message), code: (err as { code?: unknown }).code } }, 'broker connection error'));
    client.on('close', () => {
      if (this.#connected) this.#o.log.warn('broker connection closed; reconnecting');
      this.#connected = false;
    });
    return new Promise((resolve) => {
      client.on('connect', (connack) => {
        this.#connected = true;
        client.subscribe(
          { [topics.records]: { qos: 1 }, [topics.status]: { qos: 1 } },
          (err) => {
            if (err) {
              this.#o.log.error({ err: { message: err.message } }, 'subscribe failed');
              return;
            }
            this.#o.log.info({ records: topics.records, status: topics.status, sessionPresent: connack.sessionPresent }, 'subscribed');
            resolve();
          },
        );
      });
    });
  }

  /** Disconnects cleanly; the session (and what it queues) stays at the broker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const c = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (c) await c.endAsync().catch(() => undefined);
  }
}
