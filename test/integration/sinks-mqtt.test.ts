/**
 * The platform sink against a real mosquitto (Debian's 2.0) on a free loopback port, with an
 * independent MQTT subscriber on the platform side that checks completeness by seq. Also the
 * journal's size cap under each policy, with what it journaled forwarded to the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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

function runnerFor(url: string, topics: MqttTopics, journal: Journal, clientId: string): SinkRunner {
  const sink = new MqttSink({
    url,
    clientId,
    topics,
    gateway: 'gw-mqtt',
    lab: 'LAB',
    comparison: topics.records.split('/')[1]!,
    sessionExpirySeconds: 600,
    rejectUnauthorized: true,
    inflight: 100,
    batchSize: 500,
    connectTimeoutMs: 3000,
    keepaliveSeconds: 10,
    log: silentLogger(),
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
function append(j: Journal): Promise<JournalRecord> {
  value += 1;
  return j.appendReading({ device: 'dmm', channel: 'ch1', quantity: 'voltage', value, unit: 'V', u: 1e-7, time: Date.now(), flags: [], extra: { note: 'x'.repeat(200) } });
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
  return [...s.records.values()].flatMap((r) => (r.event ? [r.event.type] : []));
}

describe('MQTT platform sink', () => {
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
    expect(runner.status().lastError).toMatch(/MQTT|connect/);
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
    const latest = gaps.reduce((a, b) => (b.lastSeq > a.lastSeq ? b : a));
    expect(latest).toMatchObject({ firstSeq: 1, count: cap.dropped });
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
    expect(journal.capStats()).toMatchObject({ full: false, dropped: 0, refused: 0 });
  }, 60_000);
});
