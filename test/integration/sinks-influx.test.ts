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
import type { Acquisition, ChannelReading, JournalRecord, LegacyReadingRecord } from '../../src/core/types.js';
import { Journal, type CommittedRecord } from '../../src/journal/index.js';
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

function sinkFor(database: string, batchSize = 5000): InfluxSink {
  return new InfluxSink({
    url: influx.url,
    database,
    batchSize,
    flushIntervalMs: 200,
    timeoutMs: 5000,
    createDatabase: true,
    gateway: 'gw-influx',
    lab: 'LAB',
    log: silentLogger(),
  });
}

/** One poll of a five-channel DMM scanner. */
function acquisition(value: number, time = Date.now()): Acquisition {
  const channels: Record<string, ChannelReading> = {};
  for (let c = 1; c <= 5; c++) channels[`ch${c}`] = { quantity: 'voltage', value: value + c / 10, unit: 'V', u: 1e-7 };
  return { device: 'dmm-1', time, clock: 'yes', channels };
}

/** Runs InfluxQL with ms time stamps (ns ones exceed what a JSON number holds exactly). */
async function queryMs(database: string, q: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${influx.url}/query?${new URLSearchParams({ db: database, q, epoch: 'ms' })}`, { method: 'POST' });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: { columns: string[]; values: unknown[][]; tags?: Record<string, string> }[] }[] };
  const err = body.error ?? body.results?.[0]?.error;
  if (err) throw new Error(`InfluxQL "${q}": ${err}`);
  return (body.results?.[0]?.series ?? []).flatMap((series) =>
    series.values.map((v) => ({ ...series.tags, ...Object.fromEntries(series.columns.map((c, i) => [c, v[i]]).filter(([, x]) => x !== null)) })),
  );
}

/** A record as the journal hands it to a sink. */
function committed(record: JournalRecord): CommittedRecord {
  const kind = record.kind === 'reading' ? 'acquisition' : record.kind;
  const { hash, ...body } = record;
  return { seq: record.seq, kind, time: record.time, body: JSON.stringify(body), hash, json: JSON.stringify(record), record };
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
  it('writes a batch of acquisitions as one point per record, a field per channel and seq, queryable', async () => {
    const db = 'points';
    const journal = openJournal(db);
    const runner = new SinkRunner(sinkFor(db, 100), { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 100, maxMs: 500 } });
    try {
      const t0 = Date.UTC(2026, 0, 15, 12);
      const appended = await Promise.all(
        Array.from({ length: 250 }, (_, i) => {
          const a = acquisition(i, t0 + i * 100);
          a.device = `dmm-${i % 3}`;
          if (i % 50 === 7) a.channels.ch2 = { quantity: 'voltage', value: null, unit: 'V', flags: ['timeout'] };
          if (i === 100) {
            a.channels.ch1 = {
              ...a.channels.ch1!,
              standard: 'Z1',
              verdicts: [
                { check: 'prediction', result: 'pass', value: 0.25 },
                { check: 'drift_rate', result: 'warn', value: 2.5 },
              ],
              verified: false,
            };
          }
          return journal.appendAcquisition(a);
        }),
      );
      const ev = await journal.appendEvent({ type: 'standard_transition', time: t0 + 30_000, standard: 'Z1', severity: 'info', message: 'Z1: measuring -> in_transit', data: { from: 'measuring', to: 'in_transit' } });
      const seal = await journal.appendSeal((head) => ({ type: 'seal', time: t0 + 31_000, severity: 'info', message: `sealed up to ${head.seq}`, data: { headSeq: head.seq, headHash: head.hash } }));
      runner.start();
      await until('everything delivered', () => runner.status().cursor === journal.lastSeq);

      const points = await queryMs(db, 'SELECT * FROM readings GROUP BY *');
      expect(points).toHaveLength(250); // one point per record, not per channel
      const bySeq = new Map(points.map((p) => [p.seq as number, p]));
      expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(appended.map((r) => r.seq));
      for (const [i, rec] of appended.entries()) {
        const p = bySeq.get(rec.seq)!;
        expect(p).toMatchObject({ time: t0 + i * 100, device: `dmm-${i % 3}`, gateway: 'gw-influx', lab: 'LAB', clock: 'yes' });
        for (let c = 1; c <= 5; c++) {
          if (c === 2 && i % 50 === 7) continue;
          expect(p[`ch${c}`]).toBe(i + c / 10);
          expect(p[`ch${c}_u`]).toBe(1e-7);
        }
      }
      const timedOut = bySeq.get(appended[7]!.seq)!;
      expect(timedOut).not.toHaveProperty('ch2');
      expect(timedOut.ch2_flags).toBe('timeout');
      expect(bySeq.get(appended[100]!.seq)).toMatchObject({ ch1_verdict: 'warn', ch1_En: 0.25, ch1_Eb: 2.5, ch1_verified: false });
      // seq is an integer field, the channels floats.
      const keys = await influx.query(db, 'SHOW FIELD KEYS FROM readings');
      const types = Object.fromEntries(keys[0]!.values.map(([k, t]) => [k, t]));
      expect(types).toMatchObject({ seq: 'integer', ch1: 'float', ch1_u: 'float', ch2_flags: 'string', clock: 'string', ch1_verified: 'boolean' });
      // A channel series is a plain query of one field.
      const ch3 = await queryMs(db, `SELECT ch3 FROM readings WHERE device = 'dmm-1' AND time >= ${t0}ms`);
      expect(ch3.map((p) => p.ch3)).toEqual(appended.flatMap((_, i) => (i % 3 === 1 ? [i + 0.3] : [])));

      expect(await queryMs(db, 'SELECT * FROM events')).toEqual([
        expect.objectContaining({ seq: ev.seq, type: 'standard_transition', standard: 'Z1', severity: 'info', message: 'Z1: measuring -> in_transit' }),
      ]);
      const seals = await queryMs(db, 'SELECT * FROM seals');
      expect(seals).toEqual([expect.objectContaining({ seq: seal.seq, hash: seal.hash, message: `sealed up to ${seal.seq - 1}` })]);
      expect(JSON.parse(seals[0]!.data as string)).toMatchObject({ headSeq: seal.seq - 1 });
    } finally {
      await runner.stop();
      await journal.close();
    }
  });

  it('names with spaces, commas and equals signs, reserved channel names, awkward strings, extreme numbers and v1 records land intact', async () => {
    const db = 'escaping';
    const sink = sinkFor(db);
    const t0 = Date.UTC(2026, 0, 16);
    const rec = (seq: number, device: string, channels: Record<string, ChannelReading>): JournalRecord => ({
      v: 2, seq, kind: 'acquisition', gateway: 'gw-influx', lab: 'LAB', time: t0 + seq, clock: 'no', device, channels, prevHash: '', hash: `h${seq}`,
    });
    const legacy: LegacyReadingRecord = {
      seq: 4,
      kind: 'reading',
      gateway: 'gw-influx',
      lab: 'LAB',
      time: t0 + 4,
      reading: { device: 'old dmm', channel: 'dcv', quantity: 'voltage', value: 10.0000025, unit: 'V', u: 2e-7, time: t0 + 4, flags: ['settling'] },
      standard: 'Z1',
      verdicts: [{ check: 'prediction', result: 'fail', value: 3.5 }],
      verified: false,
      prevHash: '',
      hash: 'h4',
    };
    const batch = [
      rec(1, 'dmm 1,a=b', { 'ch 1,x=y': { quantity: 'voltage', value: 1.25, unit: 'V', extra: { note: 'say "hi"\\ there\nnext line' } } }),
      rec(2, 'dmm-2', { seq: { quantity: 'count', value: 7, unit: '' }, clock: { quantity: 'time', value: 8, unit: 's' }, time: { quantity: 'time', value: 9, unit: 's' } }),
      rec(3, 'dmm-3', { tiny: { quantity: 'v', value: 5e-324, unit: '' }, huge: { quantity: 'v', value: 1.7976931348623157e308, unit: '' }, neg: { quantity: 'v', value: -1.5e-21, unit: '' } }),
      legacy,
    ].map(committed);
    try {
      expect(await sink.deliver(batch, new AbortController().signal)).toEqual({ upTo: 4 });
      const points = new Map((await queryMs(db, 'SELECT * FROM readings GROUP BY *')).map((p) => [p.seq as number, p]));
      expect(points.size).toBe(4);
      expect(points.get(1)).toMatchObject({ device: 'dmm 1,a=b', 'ch 1,x=y': 1.25, 'ch 1,x=y_x_note': 'say "hi"\\ there\\nnext line', clock: 'no' });
      expect(points.get(2)).toMatchObject({ seq: 2, seq_value: 7, clock: 'no', clock_value: 8, time_value: 9 });
      expect(points.get(3)).toMatchObject({ tiny: 5e-324, huge: 1.7976931348623157e308, neg: -1.5e-21 });
      expect(points.get(4)).toMatchObject({ device: 'old dmm', dcv: 10.0000025, dcv_u: 2e-7, dcv_flags: 'settling', dcv_verdict: 'fail', dcv_En: 3.5, dcv_verified: false, clock: 'unknown', time: t0 + 4 });
    } finally {
      await sink.close();
    }
  });

  it('quarantines the records InfluxDB refuses with a 4xx (field-type conflict) with an event, and goes on', async () => {
    const db = 'quarantine';
    const journal = openJournal(db);
    const runner = new SinkRunner(sinkFor(db), { journal, clock: systemClock, log: silentLogger(), backoff: { initialMs: 100, maxMs: 500 } });
    try {
      // Someone wrote `value` as a string in the 2001 shard: our floats conflict there, and only there.
      const past = Date.UTC(2001, 0, 10);
      await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' });
      expect(await influx.writeLines(db, `readings,device=x,gateway=other,lab=LAB ch3="text" ${past - 1000}000000`)).toBe(204);
      for (let i = 0; i < 20; i++) await journal.appendAcquisition(acquisition(i));
      const refused = await Promise.all(Array.from({ length: 5 }, (_, i) => journal.appendAcquisition(acquisition(100 + i, past + i))));
      for (let i = 0; i < 20; i++) await journal.appendAcquisition(acquisition(200 + i));
      runner.start();

      await until('the sink past every record and its quarantine event', () => runner.status().cursor === journal.lastSeq && journal.lastSeq > 45);
      const quarantine = journal.range(46, 100).flatMap((r) => (r.kind === 'event' && r.event.type === 'sink_quarantine' ? [r.event] : []));
      expect(quarantine).toHaveLength(1);
      expect(quarantine[0]).toMatchObject({ severity: 'alarm', data: { sink: 'influx', count: 5, seqs: refused.map((r) => r.seq) } });
      expect(String((quarantine[0]!.data as { reason: string }).reason)).toMatch(/field type conflict/);
      expect(runner.status()).toMatchObject({ quarantined: 5, pending: 0 });

      // The sink went on: it keeps delivering after the quarantine.
      for (let i = 0; i < 10; i++) await journal.appendAcquisition(acquisition(300 + i));
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
          await Promise.all(Array.from({ length: 10 }, (_, k) => journal.appendAcquisition(acquisition(i * 10 + k))));
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
        // Between its attempts the runner says `retrying`; an attempt under way says `delivering`.
        await until('the sink between two attempts', () => runner.status().state === 'retrying');
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
