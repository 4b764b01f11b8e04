/**
 * The platform sink against a real mosquitto (Debian's 2.0) on a free loopback port, with an
 * independent MQTT subscriber on the platform side that checks completeness by seq. The records
 * topic carries JSON arrays of consecutive records; a TCP proxy between the sink and the broker that
 * holds back PUBACKs shows the cursor moving only over acknowledged messages. Also the journal's
 * size cap under each policy, with what it journaled forwarded to the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { MqttSink, SinkRunner, topicsFor, type MqttTopics } from '../../src/sinks/index.js';
import { startSubscriber, type Subscriber } from '../helpers/mqtt-subscriber.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-sinks-mqtt-'));
const CAP = 256 * 1024;
let broker: MosquittoServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

function openJournal(name: string, cap?: { maxSizeBytes: number; fullPolicy: 'stop' | 'drop_oldest' }): Journal {
  const j = Journal.open({ path: join(dir, `${name}.sqlite`), gateway: 'gw-mqtt', lab: 'LAB', clock: systemClock, commitIntervalMs: 5, log: silentLogger(), ...cap });
  cleanups.push(() => j.close());
  return j;
}

interface SinkTuning {
  inflight?: number;
  batchSize?: number;
  messageRecords?: number;
  messageBytes?: number;
  onConfirmed?: (seq: number) => void;
}

function runnerFor(url: string, topics: MqttTopics, journal: Journal, clientId: string, tuning: SinkTuning = {}): SinkRunner {
  const sink = new MqttSink({
    url,
    clientId,
    topics,
    gateway: 'gw-mqtt',
    lab: 'LAB',
    comparison: topics.records.split('/')[1]!,
    sessionExpirySeconds: 600,
    rejectUnauthorized: true,
    inflight: tuning.inflight ?? 16,
    batchSize: tuning.batchSize ?? 500,
    flushIntervalMs: 20,
    messageRecords: tuning.messageRecords ?? 50,
    messageBytes: tuning.messageBytes ?? 256 * 1024,
    connectTimeoutMs: 3000,
    keepaliveSeconds: 10,
    log: silentLogger(),
    ...(tuning.onConfirmed ? { onConfirmed: tuning.onConfirmed } : {}),
  });
  const runner = new SinkRunner(sink, { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 100, maxMs: 1000 }, cursorPersistMs: 100 });
  cleanups.push(() => runner.stop());
  return runner;
}

async function subscriber(url: string, topic: string): Promise<Subscriber> {
  const s = await startSubscriber(url, topic);
  cleanups.push(() => s.close());
  return s;
}

let value = 0;
/** One acquisition of a three-channel scanner (about 600 bytes of JSON). */
function append(j: Journal): Promise<JournalRecord> {
  value += 1;
  return j.appendAcquisition({
    device: 'dmm',
    time: Date.now(),
    clock: 'yes',
    channels: {
      ch1: { quantity: 'voltage', value, unit: 'V', u: 1e-7, extra: { note: 'x'.repeat(100) } },
      ch2: { quantity: 'voltage', value: -value, unit: 'V', u: 1e-7, extra: { note: 'y'.repeat(100) } },
      ch3: { quantity: 'voltage', value: null, unit: 'V', flags: ['timeout'] },
    },
  });
}

const turn = () => new Promise((r) => setImmediate(r));

async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function types(s: Subscriber): string[] {
  return [...s.records.values()].flatMap((r) => (r.kind === 'event' ? [r.event.type] : []));
}

/** Every raw message on a topic, as the platform receives it (its own client, QoS 1). */
async function rawMessages(url: string, topic: string): Promise<{ payloads: string[]; seqs: () => Set<number> }> {
  const payloads: string[] = [];
  const client = connect(url, { protocolVersion: 5, clientId: `raw-${process.pid}-${Date.now()}`, reconnectPeriod: 200 });
  cleanups.push(() => client.endAsync(true));
  client.on('message', (_t, payload) => payloads.push(payload.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return { payloads, seqs: () => new Set(payloads.flatMap((p) => (JSON.parse(p) as { seq: number }[]).map((r) => r.seq))) };
}

/** Each message on the records topic must be a JSON array of 1..max records with consecutive seqs. */
function expectPacked(payloads: string[], max: number): number[][] {
  const messages = payloads.map((p) => JSON.parse(p) as JournalRecord[]);
  for (const m of messages) {
    expect(Array.isArray(m)).toBe(true);
    expect(m.length).toBeGreaterThanOrEqual(1);
    expect(m.length).toBeLessThanOrEqual(max);
    m.forEach((r, i) => {
      expect(r).toMatchObject({ v: 2, gateway: 'gw-mqtt', lab: 'LAB' });
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      if (i > 0) expect(r.seq).toBe(m[i - 1]!.seq + 1);
    });
  }
  return messages.map((m) => m.map((r) => r.seq));
}

/**
 * A TCP proxy between the sink and the broker that reads the MQTT packets going each way: it
 * notes each PUBLISH (packet id, topic, payload) and, while `hold` is set, keeps back the broker's
 * PUBACKs until released, so the broker has a message the sink has not seen acknowledged.
 */
class PubackGate {
  readonly server: Server;
  hold = true;
  /** PUBLISH packets from the client, in order. */
  readonly published: { id: number; topic: string; payload: string }[] = [];
  readonly #held: { id: number; packet: Buffer; to: Socket }[] = [];
  readonly #sockets = new Set<Socket>();

  constructor(private readonly brokerPort: number) {
    this.server = createServer((client) => {
      const broker = createConnection({ port: this.brokerPort, host: '127.0.0.1' });
      for (const s of [client, broker]) {
        this.#sockets.add(s);
        s.setNoDelay(true);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.#sockets.delete(s);
          client.destroy();
          broker.destroy();
        });
      }
      frames(client, (packet) => {
        if (packet[0]! >> 4 === 3) this.#notePublish(packet);
        broker.write(packet);
      });
      frames(broker, (packet) => {
        if (packet[0] === 0x40 && this.hold) this.#held.push({ id: packet.readUInt16BE(2), packet, to: client });
        else client.write(packet);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `mqtt://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Ids of the PUBACKs held back now. */
  get heldIds(): number[] {
    return this.#held.map((h) => h.id);
  }

  /** Passes on the held PUBACKs whose packet id `which` accepts. */
  release(which: (id: number) => boolean): void {
    for (let i = 0; i < this.#held.length; ) {
      const h = this.#held[i]!;
      if (which(h.id)) {
        h.to.write(h.packet);
        this.#held.splice(i, 1);
      } else i++;
    }
  }

  /** Cuts every connection (held PUBACKs are lost with them). */
  cut(): void {
    this.#held.length = 0;
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #notePublish(packet: Buffer): void {
    let i = 1;
    while (packet[i]! & 0x80) i++;
    i++; // past the remaining length
    const topicLength = packet.readUInt16BE(i);
    const topic = packet.toString('utf8', i + 2, i + 2 + topicLength);
    i += 2 + topicLength;
    const qos = (packet[0]! >> 1) & 3;
    const id = qos > 0 ? packet.readUInt16BE(i) : 0;
    if (qos > 0) i += 2;
    // MQTT 5 properties: a variable byte integer length, then the properties.
    let propLength = 0;
    let mult = 1;
    for (;;) {
      const b = packet[i++]!;
      propLength += (b & 0x7f) * mult;
      mult *= 128;
      if (!(b & 0x80)) break;
    }
    this.published.push({ id, topic, payload: packet.toString('utf8', i + propLength) });
  }
}

/** Splits a socket's bytes into whole MQTT packets. */
function frames(socket: Socket, onPacket: (packet: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      let length = 0;
      let mult = 1;
      let i = 1;
      for (;;) {
        if (i >= buf.length) return;
        const b = buf[i++]!;
        length += (b & 0x7f) * mult;
        mult *= 128;
        if (!(b & 0x80)) break;
      }
      if (buf.length < i + length) return;
      onPacket(buf.subarray(0, i + length));
      buf = buf.subarray(i + length);
    }
  });
}

describe('MQTT platform sink', () => {
  it('packs consecutive records into JSON arrays of at most messageRecords (and about messageBytes); every seq arrives; events also go alone to the events topic', async () => {
    const topics = topicsFor('travelgate', 'PACK', 'LAB');
    const small = topicsFor('travelgate', 'PACKSMALL', 'LAB');
    const records = await rawMessages(broker.url, topics.records);
    const events = await rawMessages(broker.url, topics.events);
    const bounded = await rawMessages(broker.url, small.records);
    const journal = openJournal('packed');
    const journal2 = openJournal('packed-small');
    for (let i = 0; i < 600; i++) void append(journal);
    await journal.flush();
    const runner = runnerFor(broker.url, topics, journal, 'gw-mqtt-pack', { messageRecords: 50 });
    runner.start();
    // More while it runs, in bursts, with an alarm among them.
    for (let burst = 0; burst < 6; burst++) {
      await Promise.all(Array.from({ length: 97 }, () => append(journal)));
      if (burst === 3) await journal.appendEvent({ type: 'transport_alarm', time: Date.now(), standard: 'Z1', severity: 'alarm', message: 'Z1: shock 25 g' });
    }
    const last = journal.lastSeq;
    await until('every seq on the records topic', () => records.seqs().size === last);
    await until('the cursor at the end', () => runner.status().cursor === last);
    const messages = expectPacked(records.payloads, 50);
    expect(messages.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(messages.some((m) => m.length === 50)).toBe(true); // packed, not one record per message
    expect(messages.length).toBeLessThan(last / 10);
    // The alarm: in its array on the records topic, and alone (an object, not an array) on the events topic.
    await until('the alarm on the events topic', () => events.payloads.length === 1);
    const alarm = JSON.parse(events.payloads[0]!) as JournalRecord;
    expect(Array.isArray(alarm)).toBe(false);
    expect(alarm).toMatchObject({ kind: 'event', event: { type: 'transport_alarm' } });
    const inRecords = records.payloads.flatMap((p) => JSON.parse(p) as JournalRecord[]).find((r) => r.seq === alarm.seq)!;
    expect(inRecords).toEqual(alarm);

    // The byte bound: about 600-byte records, 2 KiB messages.
    for (let i = 0; i < 200; i++) void append(journal2);
    await journal2.flush();
    const runner2 = runnerFor(broker.url, small, journal2, 'gw-mqtt-pack-small', { messageRecords: 200, messageBytes: 2048 });
    runner2.start();
    await until('every seq on the small records topic', () => bounded.seqs().size === 200);
    const sizes = expectPacked(bounded.payloads, 200).map((m) => m.length);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    for (const p of bounded.payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
  }, 60_000);

  it('moves the cursor only over records whose messages were PUBACKed, never over what the broker merely received', async () => {
    const topics = topicsFor('travelgate', 'PUBACK', 'LAB');
    const platform = await subscriber(broker.url, topics.records);
    const raw = await rawMessages(broker.url, topics.records);
    const gate = new PubackGate(broker.port);
    cleanups.push(() => gate.close());
    const url = await gate.listen();
    const journal = openJournal('puback');
    await Promise.all(Array.from({ length: 1000 }, () => append(journal)));
    const confirmed = new Set<number>();
    const runner = runnerFor(url, topics, journal, 'gw-mqtt-puback', { messageRecords: 50, batchSize: 500, inflight: 100, onConfirmed: (s) => confirmed.add(s) });
    runner.start();

    // The first batch (500 records) goes out as ten messages; the broker has them all, the sink no PUBACK.
    const recordMessages = () => gate.published.filter((m) => m.topic === topics.records);
    await until('ten messages published and their PUBACKs held', () => recordMessages().length === 10 && gate.heldIds.length >= 10);
    await until('the platform got all 500', () => raw.seqs().size === 500);
    gate.release((id) => !recordMessages().some((m) => m.id === id)); // the status message is not what this is about
    const seqsOf = (m: { payload: string }) => (JSON.parse(m.payload) as { seq: number }[]).map((r) => r.seq);
    const msgs = recordMessages().map((m) => ({ id: m.id, seqs: seqsOf(m) }));
    expect(msgs.map((m) => m.seqs[0])).toEqual([1, 51, 101, 151, 201, 251, 301, 351, 401, 451]);
    expect(runner.status().cursor).toBe(0);

    // PUBACKs for messages 1, 2, 3 and 5 (not 4): the sink confirms those records, but the
    // contiguous run ends with message 3.
    const acked = [0, 1, 2, 4].map((i) => msgs[i]!);
    gate.release((id) => acked.some((m) => m.id === id));
    await until('the sink saw those PUBACKs', () => acked.every((m) => m.seqs.every((s) => confirmed.has(s))));
    expect(confirmed.has(msgs[3]!.seqs[0]!)).toBe(false);
    expect(runner.status().cursor).toBe(0); // the delivery is still waiting for the rest

    // The connection breaks: the cursor moves over messages 1..3 only.
    gate.cut();
    await until('the sink noticing', () => runner.status().state === 'retrying');
    expect(runner.status().cursor).toBe(150);
    await until('the cursor persisted', () => journal.cursors().find((c) => c.name === 'mqtt')?.seq === 150);
    // It resends from 151 on a new connection; still no PUBACK, so the cursor stays.
    await until('the resend', () => recordMessages().some((m, i) => i >= 10 && seqsOf(m)[0] === 151));
    expect(runner.status().cursor).toBe(150);

    // PUBACKs flow again: everything is confirmed, every seq reached the platform, the resent
    // records are recognised duplicates.
    gate.hold = false;
    gate.release(() => true);
    await until('the cursor at the end', () => runner.status().cursor === journal.lastSeq);
    await platform.waitForAll(journal.lastSeq);
    expect(platform.conflicting).toEqual([]);
    expect(platform.malformed).toEqual([]);
    for (let s = 151; s <= 500; s++) expect(platform.counts.get(s)).toBeGreaterThanOrEqual(2);
    for (let s = 1; s <= 150; s++) expect(platform.counts.get(s)).toBe(1);
    expectPacked(raw.payloads, 50);
  }, 60_000);

  it('every record reaches the subscriber after the broker was killed and restarted; duplicates are recognised by seq', async () => {
    const own = await startMosquitto(); // this one gets killed
    cleanups.push(() => own.close());
    const topics = topicsFor('travelgate', 'KILL', 'LAB');
    const platform = await subscriber(own.url, topics.records);
    // The platform's session (its subscription) is on the broker's disk, as it would be in service.
    await own.savedSince(Date.now());
    const journal = openJournal('broker-kill');
    const runner = runnerFor(own.url, topics, journal, 'gw-mqtt-kill');
    let writing = true;
    let acked = 0;
    const writer = (async () => {
      while (writing) {
        await Promise.all(Array.from({ length: 10 }, () => append(journal)));
        acked += 10;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      runner.start();
      await platform.waitFor('records before the kill', () => platform.counts.size > 500);
      await own.kill(); // SIGKILL: PUBACKs in flight are lost with it
      await until('the sink noticing', () => runner.status().state === 'retrying');
      expect(runner.status().lastError).toMatch(/MQTT|connect/);
      const ackedDuringOutage = acked;
      await new Promise((r) => setTimeout(r, 1500));
      expect(acked).toBeGreaterThan(ackedDuringOutage); // the journal kept acknowledging
      await own.start();
      const before = platform.counts.size;
      await platform.waitFor('records after the restart', () => platform.counts.size > before + 500);
    } finally {
      writing = false;
      await writer;
    }
    await platform.waitForAll(journal.lastSeq);
    expect(platform.missing(journal.lastSeq)).toEqual([]);
    expect(platform.malformed).toEqual([]);
    expect(platform.conflicting).toEqual([]); // a duplicate is the same record, recognised by seq
    expect([...platform.records.values()].every((r) => r.gateway === 'gw-mqtt')).toBe(true);
    // Delivering again: the error is cleared, when it happened is kept.
    expect(runner.status()).toMatchObject({ lastError: null, lastErrorAt: expect.stringMatching(/^\d{4}-/) });
    // The retained status says the gateway is online again.
    let status: { gateway?: string; state?: string } = {};
    const watcher = connect(own.url, { protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => watcher.endAsync(true));
    watcher.on('message', (_t, payload) => (status = JSON.parse(payload.toString()) as typeof status));
    watcher.on('connect', () => watcher.subscribe(topics.status, { qos: 1 }));
    await until('the retained status online', () => status.state === 'online');
    expect(status.gateway).toBe('gw-mqtt');
  }, 90_000);

  it('drop_oldest at the cap: the gap is counted, journaled and forwarded, so the platform accounts for every seq', async () => {
    const topics = topicsFor('travelgate', 'DROP', 'LAB');
    const journal = openJournal('cap-drop', { maxSizeBytes: CAP, fullPolicy: 'drop_oldest' });
    journal.cursor('mqtt'); // the sink exists but has not delivered anything (the platform is away)
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(Array.from({ length: 250 }, () => append(journal)));
      await turn();
    }
    await journal.flush();
    await turn();
    await journal.flush();
    const cap = journal.capStats()!;
    expect(cap.dropped).toBeGreaterThan(0);

    const platform = await subscriber(broker.url, topics.records);
    const dashboard = await subscriber(broker.url, topics.events);
    runnerFor(broker.url, topics, journal, 'gw-mqtt-drop').start();
    await platform.waitForAll(journal.lastSeq);
    const gaps = platform.gaps();
    expect(gaps.length).toBeGreaterThan(0);
    // Together the gap events name the whole dropped prefix and its count. One may name only part
    // of it: a gap event survives the next drop when that drop removes fewer records than
    // followed it (sinks-disk-cap.test.ts), and the next one then names the rest.
    expect(Math.min(...gaps.map((g) => g.firstSeq))).toBe(1);
    expect(Math.max(...gaps.map((g) => g.lastSeq))).toBe(cap.dropped); // seqs 1..dropped are gone
    expect(gaps.reduce((n, g) => n + g.count, 0)).toBe(cap.dropped);
    // nothing dropped was delivered, nothing kept is missing
    for (const g of gaps) for (let s = g.firstSeq; s <= g.lastSeq; s++) expect(platform.counts.has(s)).toBe(false);
    expect(platform.missing(journal.lastSeq)).toEqual([]);
    await dashboard.waitFor('the gap on the events topic', () => types(dashboard).includes('gap'));
  }, 60_000);

  it('stop at the cap: acquisition waits with journal_full, resumes when the sink caught up, and nothing is missing', async () => {
    const topics = topicsFor('travelgate', 'STOP', 'LAB');
    const journal = openJournal('cap-stop', { maxSizeBytes: CAP, fullPolicy: 'stop' });
    journal.cursor('mqtt');
    while (!journal.capStats()!.full) {
      await Promise.all(Array.from({ length: 100 }, () => append(journal)));
      await turn();
    }
    const waiting = Array.from({ length: 100 }, () => append(journal));
    expect(journal.capStats()!.held).toBe(100);

    const platform = await subscriber(broker.url, topics.records);
    runnerFor(broker.url, topics, journal, 'gw-mqtt-stop').start();
    const resumed = await Promise.all(waiting); // space was made by delivery, not by dropping
    expect(resumed.map((r) => r.seq)).toEqual(resumed.map((_, i) => resumed[0]!.seq + i));
    await journal.flush(); // journal_resumed was queued before the waiting readings
    await platform.waitForAll(journal.lastSeq);
    expect(platform.gaps()).toEqual([]);
    for (let s = 1; s <= journal.lastSeq; s++) expect(platform.counts.has(s)).toBe(true);
    expect(types(platform)).toEqual(expect.arrayContaining(['journal_full', 'journal_resumed']));
    // The cursor is persisted (and the cap told) up to a second after the last PUBACK: then the
    // delivered records make room and the journal is no longer full.
    for (let i = 0; journal.capStats()!.full; i++) {
      if (i > 2000) throw new Error('the journal stayed full after everything was delivered');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(journal.capStats()).toMatchObject({ full: false, dropped: 0, refused: 0 });
  }, 60_000);
});
