/**
 * Sink throughput and latency against the real servers (Debian's influxd and mosquitto, started on
 * free loopback ports like the tests do). Every record is one acquisition of five channels
 * (`benchAcquisition`), so one record carries five readings:
 * - drain rate of a 100 000-record (500 000-reading) backlog into InfluxDB, and into the broker
 *   (records/s, from the runner's start until its cursor reached the last record; the broker has
 *   no subscriber);
 * - end-to-end latency from an acquisition handed to the journal to its PUBACK at 1000 readings/s
 *   (200 acquisitions/s; p50, p99; it includes the journal's group commit, 20 ms by default, its
 *   fsync and the MQTT sink's linger, 20 ms by default);
 * - CPU time of the whole process per 1000 readings during that run (journal and both sinks), and
 *   for the journal alone at the same rate (the difference is what the sinks cost). The broker has
 *   TCP_NODELAY on (`set_tcp_nodelay true`), as a platform broker should for low latency.
 * Run directly: `node --import tsx bench/sinks.ts` prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Journal } from '../src/journal/index.js';
import { InfluxSink, MqttSink, SinkRunner, topicsFor, type Sink } from '../src/sinks/index.js';
import { startInfluxd } from '../test/helpers/servers/influxdb.js';
import { startMosquitto } from '../test/helpers/servers/mosquitto.js';
import { BENCH_CHANNELS, benchAcquisition as acquisition, round, type BenchResult } from './types.js';

const BACKLOG = 100_000; // records (acquisitions): 500 000 readings
const RATE = 1000 / BENCH_CHANNELS; // acquisitions per second in the latency run: 1000 readings/s
const READING_RATE = RATE * BENCH_CHANNELS;
const LATENCY_SECONDS = 10;
const log = silentLogger();

function influxSink(url: string, database: string): InfluxSink {
  return new InfluxSink({ url, database, batchSize: 5000, flushIntervalMs: 1000, timeoutMs: 30_000, createDatabase: true, gateway: 'bench', lab: 'LAB', log });
}

function mqttSink(url: string, onConfirmed?: (seq: number) => void): MqttSink {
  return new MqttSink({
    url,
    clientId: `tg-bench-${process.pid}`,
    topics: topicsFor('travelgate', 'BENCH', 'LAB'),
    gateway: 'bench',
    lab: 'LAB',
    comparison: 'BENCH',
    sessionExpirySeconds: 60,
    rejectUnauthorized: true,
    // the configuration's defaults (src/sinks/config.ts)
    inflight: 16,
    batchSize: 1000,
    flushIntervalMs: 20,
    messageRecords: 200,
    messageBytes: 256 * 1024,
    connectTimeoutMs: 10_000,
    keepaliveSeconds: 30,
    log,
    ...(onConfirmed ? { onConfirmed } : {}),
  });
}

async function drain(journal: Journal, sink: Sink): Promise<number> {
  const runner = new SinkRunner(sink, { journal, clock: systemClock, log });
  const start = performance.now();
  runner.start();
  while (runner.status().cursor < journal.lastSeq) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  await runner.stop();
  return journal.lastSeq / seconds;
}

async function backlog(dir: string): Promise<Journal> {
  const journal = Journal.open({ path: join(dir, 'backlog.sqlite'), gateway: 'bench', lab: 'LAB', clock: systemClock, commitIntervalMs: 10, log, synchronous: 'NORMAL' });
  const window = 5000;
  for (let done = 0; done < BACKLOG; done += window) {
    await Promise.all(Array.from({ length: Math.min(window, BACKLOG - done) }, (_, i) => journal.appendAcquisition(acquisition(done + i))));
  }
  return journal;
}

/** Appends RATE acquisitions per second for LATENCY_SECONDS, noting when each seq was handed to the
 *  journal in `appendedAt`; returns the process CPU time it took (until every runner confirmed
 *  everything) and the number of readings (channel values) appended. */
async function paced(journal: Journal, runners: SinkRunner[], appendedAt: Map<number, number>): Promise<{ cpuMs: number; total: number }> {
  const total = RATE * LATENCY_SECONDS;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(journal.appendAcquisition(acquisition(i)).then((rec) => appendedAt.set(rec.seq, t0)));
  }
  await Promise.all(pending);
  while (runners.some((r) => r.status().cursor < journal.lastSeq)) await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, total: total * BENCH_CHANNELS };
}

async function latency(dir: string, influxUrl: string, mqttUrl: string): Promise<BenchResult[]> {
  // Baseline: the journal alone at the same rate.
  const alone = Journal.open({ path: join(dir, 'alone.sqlite'), gateway: 'bench', lab: 'LAB', clock: systemClock, commitIntervalMs: 20, log });
  const baseline = await paced(alone, [], new Map());
  await alone.close();

  const journal = Journal.open({ path: join(dir, 'live.sqlite'), gateway: 'bench', lab: 'LAB', clock: systemClock, commitIntervalMs: 20, log });
  const latencies: number[] = [];
  const appendedAt = new Map<number, number>();
  const confirmed = (seq: number) => {
    const t0 = appendedAt.get(seq);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  };
  const runners = [
    new SinkRunner(mqttSink(mqttUrl, confirmed), { journal, clock: systemClock, log }),
    new SinkRunner(influxSink(influxUrl, 'bench_live'), { journal, clock: systemClock, log }),
  ];
  for (const r of runners) r.start();
  // warm up: connections open, database created
  await journal.appendAcquisition(acquisition(0));
  while (runners.some((r) => r.status().cursor < journal.lastSeq)) await new Promise((r) => setTimeout(r, 20));
  const result = await paced(journal, runners, appendedAt);
  for (const r of runners) await r.stop();
  await journal.close();
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return [
    { name: `acquisition -> PUBACK latency p50 at ${READING_RATE} readings/s (incl. 20 ms group commit, 20 ms linger)`, value: round(p(0.5), 1), unit: 'ms' },
    { name: `acquisition -> PUBACK latency p99 at ${READING_RATE} readings/s (incl. 20 ms group commit, 20 ms linger)`, value: round(p(0.99), 1), unit: 'ms' },
    { name: 'CPU time per 1000 readings, journal alone', value: round(baseline.cpuMs / (baseline.total / 1000), 1), unit: 'ms' },
    { name: 'CPU time per 1000 readings, journal + InfluxDB + MQTT sinks', value: round(result.cpuMs / (result.total / 1000), 1), unit: 'ms' },
  ];
}

export async function benchSinks(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-sinks-'));
  const [influx, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
  try {
    const journal = await backlog(dir);
    const influxRate = await drain(journal, influxSink(influx.url, 'bench_backlog'));
    const mqttRate = await drain(journal, mqttSink(broker.url));
    await journal.close();
    return [
      { name: `drain ${BACKLOG} records (${BENCH_CHANNELS} channels each) into InfluxDB (batches of 5000)`, value: round(influxRate, 0), unit: 'records/s' },
      { name: `drain ${BACKLOG} records (${BENCH_CHANNELS} channels each) into the MQTT broker (QoS 1, 200 records a message, 16 in flight)`, value: round(mqttRate, 0), unit: 'records/s' },
      ...(await latency(dir, influx.url, broker.url)),
    ];
  } finally {
    await Promise.all([influx.close(), broker.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchSinks());
}
