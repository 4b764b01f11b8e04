/**
 * The InfluxDB sink against a real influxd (Debian's influxdb 1.6), started on free loopback ports
 * with its own data folder. Records are counted by seq in InfluxDB itself, over plain HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';
import { InfluxSink, SinkRunner } from '../../src/sinks/index.js';
import { startInfluxd, type InfluxServer } from '../helpers/servers/influxdb.js';

/** How long InfluxDB stays stopped in the outage test: really stopped, really restarted. */
const OUTAGE_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'tg-sinks-influx-'));
let influx: InfluxServer;

beforeAll(async () => {
  influx = await startInfluxd();
});

afterAll(async () => {
  await influx?.close();
  rmSync(dir, { recursive: true, force: true });
});

function openJournal(name: string): Journal {
  return Journal.open({ path: join(dir, `${name}.sqlite`), gateway: 'gw-influx', lab: 'LAB', clock: systemClock, commitIntervalMs: 5, log: silentLogger() });
}

function sinkFor(database: string): InfluxSink {
  return new InfluxSink({ url: influx.url, database, batchSize: 5000, flushIntervalMs: 200, timeoutMs: 5000, createDatabase: true, log: silentLogger() });
}

function reading(value: number, time = Date.now()) {
  return { device: 'dmm-1', channel: 'ch1', quantity: 'voltage', value, unit: 'V', u: 1e-7, time, flags: [] };
}

/** Every seq found in the readings/events/seals measurements (a record is one point there). */
async function seqsIn(database: string): Promise<number[]> {
  const series = await influx.query(database, 'SELECT seq FROM readings, events, seals');
  return series.flatMap((s) => s.values.map((v) => v[s.columns.indexOf('seq')] as number));
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('InfluxDB sink', () => {
  it('quarantines the records InfluxDB refuses with a 4xx (field-type conflict) with an event, and goes on', async () => {
    const db = 'quarantine';
    const journal = openJournal(db);
    const runner = new SinkRunner(sinkFor(db), { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 100, maxMs: 500 } });
    try {
      // Someone wrote `value` as a string in the 2001 shard: our floats conflict there, and only there.
      const past = Date.UTC(2001, 0, 10);
      await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' });
      expect(await influx.writeLines(db, `readings,gateway=other,lab=LAB,device=x,channel=y,quantity=voltage value="text" ${past - 1000}000000`)).toBe(204);
      for (let i = 0; i < 20; i++) await journal.appendReading(reading(i));
      const refused = await Promise.all(Array.from({ length: 5 }, (_, i) => journal.appendReading(reading(100 + i, past + i))));
      for (let i = 0; i < 20; i++) await journal.appendReading(reading(200 + i));
      runner.start();

      await until('the sink past every record and its quarantine event', () => runner.status().cursor === journal.lastSeq && journal.lastSeq > 45);
      const quarantine = journal.range(46, 100).filter((r) => r.event?.type === 'sink_quarantine');
      expect(quarantine).toHaveLength(1);
      expect(quarantine[0]!.event).toMatchObject({ severity: 'alarm', data: { sink: 'influx', count: 5, seqs: refused.map((r) => r.seq) } });
      expect(String((quarantine[0]!.event!.data as { reason: string }).reason)).toMatch(/field type conflict/);
      expect(runner.status()).toMatchObject({ quarantined: 5, pending: 0 });

      // The sink went on: it keeps delivering after the quarantine.
      for (let i = 0; i < 10; i++) await journal.appendReading(reading(300 + i));
      await until('the later records', () => runner.status().cursor === journal.lastSeq);
      const seqs = await seqsIn(db);
      const expected = journal.range(1, 1000).map((r) => r.seq).filter((s) => !refused.some((r) => r.seq === s));
      expect([...seqs].sort((a, b) => a - b)).toEqual(expected); // each once, the refused ones absent
    } finally {
      await runner.stop();
      await journal.close();
    }
  });

  it(
    `delivers every record exactly once after InfluxDB was stopped for ${OUTAGE_MS / 1000} s and started again`,
    async () => {
      const db = 'outage';
      const journal = openJournal(db);
      const runner = new SinkRunner(sinkFor(db), { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 200, maxMs: 2000 } });
      let acked = 0;
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await Promise.all(Array.from({ length: 10 }, (_, k) => journal.appendReading(reading(i * 10 + k))));
          acked += 10;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        runner.start();
        await until('first deliveries', () => runner.status().delivered > 100);

        await influx.stop();
        const ackedAtStop = acked;
        await until('the sink noticing the outage', () => runner.status().state === 'retrying');
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        const during = runner.status();
        expect(during.state).toBe('retrying');
        expect(during.pending).toBeGreaterThan(0);
        expect(during.lastError).toMatch(/InfluxDB/);
        expect(acked).toBeGreaterThan(ackedAtStop); // acquisition never waited on the sink

        await influx.start();
        await new Promise((r) => setTimeout(r, 1000));
        writing = false;
        await writer;
        await until('the backlog drained', () => runner.status().cursor === journal.lastSeq, 60_000);

        const seqs = await seqsIn(db);
        const counts = new Map<number, number>();
        for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
        const expected = journal.range(1, 1_000_000).map((r) => r.seq);
        expect(expected.length).toBeGreaterThan(OUTAGE_MS / 100);
        expect([...counts.keys()].sort((a, b) => a - b)).toEqual(expected);
        expect([...counts.values()].every((c) => c === 1)).toBe(true);
      } finally {
        writing = false;
        await writer;
        await runner.stop();
        await journal.close();
      }
    },
    OUTAGE_MS + 120_000,
  );
});
