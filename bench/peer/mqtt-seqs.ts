/**
 * The platform's side of the "nothing lost" check: an MQTT 5 subscriber to `<topicPrefix>/#` at
 * QoS 1 that gathers the `seq` of every record the gateway published.
 *
 * Contract:
 * - Subscribed (SUBACK received) before `startSeqCollector` resolves: start it before the gateway.
 * - A payload is one record object or (the newer batched form) an array of record objects; each
 *   object with a numeric `seq` counts. Payloads on `…/status` topics (the retained online/offline
 *   state) are ignored; anything else without a seq is counted as malformed.
 * - A record published to two topics (records and events) is one seq: it is a set.
 */
import { connect } from 'mqtt';

export interface SeqCollector {
  readonly seqs: Set<number>;
  /** Payloads that were neither a record nor an array of records. */
  readonly malformed: () => number;
  /** Resolves true once every seq in 1..lastSeq arrived, false after timeoutMs. */
  waitForAll(lastSeq: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startSeqCollector(url: string, topicPrefix: string): Promise<SeqCollector> {
  const seqs = new Set<number>();
  let malformed = 0;
  const client = connect(url, {
    protocolVersion: 5,
    clientId: `peer-bench-platform-${process.pid}-${Date.now()}`,
    clean: true,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  client.on('error', () => undefined); // reconnects by itself
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/status')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      malformed++;
      return;
    }
    for (const record of Array.isArray(parsed) ? parsed : [parsed]) {
      const seq = (record as { seq?: unknown } | null)?.seq;
      if (typeof seq === 'number') seqs.add(seq);
      else malformed++;
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MQTT collector: no connection to ${url}`)), 10_000);
      client.once('connect', () => {
        client.subscribe(`${topicPrefix}/#`, { qos: 1 }, (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
      });
    });
  } catch (err) {
    await client.endAsync(true).catch(() => undefined);
    throw err;
  }
  const complete = (lastSeq: number) => {
    for (let s = 1; s <= lastSeq; s++) if (!seqs.has(s)) return false;
    return true;
  };
  return {
    seqs,
    malformed: () => malformed,
    waitForAll: async (lastSeq, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!complete(lastSeq)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
      return true;
    },
    close: async () => {
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
