/**
 * The platform side of the sink tests: an independent MQTT 5 subscriber (its own client id, a
 * persistent session, QoS 1, reconnecting by itself) that counts what it received by `seq` and
 * checks completeness the way the comparison platform would:
 * - every seq from 1 to the journal's last seq was received, or lies in the range of a `gap` event
 *   that was received;
 * - a seq received more than once is a duplicate, recognised (and counted), never a new record;
 * - every payload carries `gateway` and `seq`.
 */
import { connect, type MqttClient } from 'mqtt';
import type { JournalRecord } from '../../src/core/types.js';

export interface Gap {
  firstSeq: number;
  lastSeq: number;
  count: number;
}

export interface Subscriber {
  client: MqttClient;
  /** First copy of each record, by seq. */
  records: Map<number, JournalRecord>;
  /** How many times each seq arrived. */
  counts: Map<number, number>;
  /** Payloads without a numeric `seq` or a `gateway`. */
  malformed: string[];
  /** Seqs that arrived again with a different hash (a duplicate must be the same record). */
  conflicting: number[];
  duplicates(): number;
  gaps(): Gap[];
  /** Seqs in from..upTo neither received nor covered by a received gap event. */
  missing(upTo: number, from?: number): number[];
  /** Resolves when missing(upTo) is empty; rejects after timeoutMs with what is missing. */
  waitForAll(upTo: number, timeoutMs?: number): Promise<void>;
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSubscriber(url: string, topic: string, clientId = `platform-${process.pid}-${Date.now()}`): Promise<Subscriber> {
  const records = new Map<number, JournalRecord>();
  const counts = new Map<number, number>();
  const malformed: string[] = [];
  const conflicting: number[] = [];
  const client = connect(url, {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  client.on('error', () => undefined); // reconnects by itself
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/status')) return; // the retained online/offline state, not a record
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      malformed.push(payload.toString('utf8').slice(0, 200));
      return;
    }
    // The records topic packs records into arrays; the events topic sends single records.
    for (const r of (Array.isArray(parsed) ? parsed : [parsed]) as JournalRecord[]) {
      if (typeof r?.seq !== 'number' || typeof r.gateway !== 'string') {
        malformed.push(JSON.stringify(r).slice(0, 200));
        continue;
      }
      counts.set(r.seq, (counts.get(r.seq) ?? 0) + 1);
      const first = records.get(r.seq);
      if (!first) records.set(r.seq, r);
      else if (first.hash !== r.hash || first.gateway !== r.gateway) conflicting.push(r.seq);
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber: no connection to ${url}`)), 10_000);
    client.once('connect', () => {
      client.subscribe(topic, { qos: 1 }, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  });

  const gaps = (): Gap[] =>
    [...records.values()]
      .flatMap((r) => (r.kind === 'event' && r.event.type === 'gap' ? [r.event.data as unknown as Gap] : []));
  const missing = (upTo: number, from = 1): number[] => {
    const covered = gaps();
    const out: number[] = [];
    for (let s = from; s <= upTo; s++) {
      if (counts.has(s)) continue;
      if (covered.some((g) => s >= g.firstSeq && s <= g.lastSeq)) continue;
      out.push(s);
    }
    return out;
  };
  const waitFor = async (what: string, predicate: () => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`subscriber: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    client,
    records,
    counts,
    malformed,
    conflicting,
    duplicates: () => [...counts.values()].reduce((n, c) => n + (c - 1), 0),
    gaps,
    missing,
    waitFor,
    waitForAll: async (upTo, timeoutMs = 30_000) => {
      try {
        await waitFor(`every seq up to ${upTo}`, () => missing(upTo).length === 0, timeoutMs);
      } catch {
        const m = missing(upTo);
        throw new Error(`subscriber: ${m.length} seq(s) missing up to ${upTo}, e.g. ${m.slice(0, 10).join(', ')}`);
      }
    },
    close: async () => {
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
