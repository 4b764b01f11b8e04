/**
 * A comparison stays weeks at one lab: the history route covers the whole stay by downsampling on
 * the server (nothing cut off at 10 000 readings or 24 h), and the CSV export gives every reading
 * of the standard with its value as measured and corrected, u, flags, verdicts. Both read a real
 * journal file through their own read-only connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src/api/history.js';
import { SqliteSeries } from '../../src/api/series.js';
import { buildApi } from '../../src/api/server.js';
import type { GatewayView } from '../../src/api/view.js';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, ChannelReading } from '../../src/core/types.js';
import { Journal } from '../../src/journal/journal.js';
import { FakeGateway } from '../helpers/fake-view.js';

const T0 = Date.UTC(2026, 0, 1);
const STEP = 5 * 60_000;
const N = 30 * 288; // 30 days every 5 minutes: 8640 readings, more than one page and than 24 h

/** Reading i of the standard: verified, then flagged (settling), then unverified in turns. */
function dcv(i: number): ChannelReading {
  const value = 10 + 2.5e-6 + ((i % 7) - 3) * 1e-8;
  const c: ChannelReading = { quantity: 'voltage', value, unit: 'V', u: 4.2e-8, standard: 'Z1' };
  const kind = i % 3;
  if (kind === 0) {
    c.verified = true;
    c.verdicts = [
      { check: 'lifecycle', result: 'info', detail: 'measuring' },
      { check: 'correction', result: 'info', value: value - 1e-9 },
      { check: 'prediction', result: 'pass', value: 0.4187 },
      { check: 'drift_rate', result: 'warn', value: 2.31, detail: 'b = -3.1e-8 ± 1e-9 V/d' },
    ];
  } else if (kind === 1) {
    c.flags = ['settling'];
    c.verified = false;
    c.verdicts = [
      { check: 'lifecycle', result: 'info', detail: 'settling' },
      { check: 'correction', result: 'warn', detail: 'uncorrected: no recent pressure' },
    ];
  } else {
    c.verified = false;
    c.verdicts = [{ check: 'lifecycle', result: 'info', detail: 'in_transit' }];
  }
  return c;
}

describe('history over the whole stay and the CSV export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-history-'));
  const path = join(dir, 'journal.sqlite');
  let journal: Journal;
  let series: SqliteSeries;
  let app: FastifyInstance;

  beforeAll(async () => {
    journal = Journal.open({ path, gateway: 'gw', lab: 'LAB', clock: new FakeClock(T0), commitIntervalMs: 0, log: silentLogger(), batchSize: 2000 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const a: Acquisition = { device: 'dmm', time: T0 + i * STEP, clock: 'yes', channels: { dcv: dcv(i) } };
      pending.push(journal.appendAcquisition(a));
      // Another device in between: not part of the series.
      if (i % 10 === 0) pending.push(journal.appendAcquisition({ device: 'ptu', time: T0 + i * STEP + 1, clock: 'yes', channels: { temperature: { quantity: 'temperature', value: 23, unit: '°C' } } }));
    }
    await Promise.all(pending);
    await journal.flush();
    series = new SqliteSeries(path);
    const gw = new FakeGateway();
    const view: GatewayView = {
      ...gw.view,
      series: () => series,
      standard: (id) => (id === 'Z1' ? ({ measurand: { device: 'dmm', channel: 'dcv' } } as ReturnType<NonNullable<GatewayView['standard']>>) : undefined),
    };
    app = buildApi(view, silentLogger());
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    series?.close();
    await journal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('covers a 30-day stay in buckets of min/max/mean, counting every reading', async () => {
    // No `from`: the stay starts at the first reading in the journal; `to` is the last here (default: now).
    const res = await app.inject(`/api/v1/history?device=dmm&channel=dcv&points=100&to=${new Date(T0 + (N - 1) * STEP).toISOString()}`);
    expect(res.statusCode).toBe(200);
    const h = res.json();
    expect(h.from).toBe(new Date(T0).toISOString()); // default: the first reading in the journal
    expect(h.readings).toBe(N);
    expect(h.downsampled).toBe(true);
    expect(h.items.length).toBeLessThanOrEqual(100);
    expect(h.items.length).toBeGreaterThan(90);
    expect(h.items.reduce((s: number, i: { n: number }) => s + i.n, 0)).toBe(N);
    // The whole range: the first bucket at its start, the last at its end.
    expect(Date.parse(h.items[0].time) - T0).toBeLessThan(h.bucketMs);
    expect(T0 + (N - 1) * STEP - Date.parse(h.items.at(-1).time)).toBeLessThan(h.bucketMs);

    // Each bucket against the readings it holds.
    const values = Array.from({ length: N }, (_, i) => ({ t: T0 + i * STEP, v: dcv(i).value!, kind: i % 3 }));
    for (const item of h.items) {
      const t = Date.parse(item.time);
      const start = T0 + Math.floor((t - T0) / h.bucketMs) * h.bucketMs;
      const inside = values.filter((p) => p.t >= start && p.t < start + h.bucketMs);
      expect(item.n).toBe(inside.length);
      expect(item.min).toBe(Math.min(...inside.map((p) => p.v)));
      expect(item.max).toBe(Math.max(...inside.map((p) => p.v)));
      expect(item.mean).toBeCloseTo(inside.reduce((s, p) => s + p.v, 0) / inside.length, 12);
      expect(item.verified).toBe(inside.filter((p) => p.kind === 0).length);
      expect(item.flagged).toBe(inside.filter((p) => p.kind === 1).length);
    }
  });

  it('gives every reading when the range holds fewer than the points asked for', async () => {
    const from = new Date(T0 + 100 * STEP).toISOString();
    const to = new Date(T0 + 109 * STEP).toISOString();
    const h = (await app.inject(`/api/v1/history?device=dmm&channel=dcv&from=${from}&to=${to}&points=50`)).json();
    expect(h.downsampled).toBe(false);
    expect(h.items.map((i: { n: number }) => i.n)).toEqual(Array(10).fill(1));
    expect(h.items[0]).toMatchObject({ time: from, mean: dcv(100).value, verified: 0, flagged: 1 });
    expect((await app.inject('/api/v1/history?device=dmm')).statusCode).toBe(400);
  });

  it("exports the standard's readings as CSV: as measured and corrected, u, flags, verdicts", async () => {
    const from = new Date(T0 + 300 * STEP).toISOString();
    const to = new Date(T0 + 302 * STEP).toISOString();
    const res = await app.inject(`/api/v1/standards/Z1/readings.csv?from=${from}&to=${to}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="Z1_20260102T010000Z_20260102T011000Z\.csv"/);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[0]).toBe('time_utc,seq,device,channel,value_as_measured,value_corrected,u,unit,flags,verified,lifecycle,E_n,E_b,verdicts');
    expect(lines).toHaveLength(4);
    const rows = lines.slice(1).map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
    const v300 = dcv(300).value!; // i = 300: verified, corrected
    expect(rows[0]!.slice(0, 13)).toEqual([from, expect.stringMatching(/^\d+$/), 'dmm', 'dcv', String(v300), String(v300 - 1e-9), '4.2e-8', 'V', '', 'true', 'measuring', '0.4187', '2.31']);
    expect(rows[0]![13]).toBe('lifecycle=info (measuring); correction=info ' + String(v300 - 1e-9) + '; prediction=pass 0.4187; drift_rate=warn 2.31 (b = -3.1e-8 ± 1e-9 V/d)');
    // i = 301: settling, the correction lacked its input: no corrected value.
    expect(rows[1]!.slice(4, 11)).toEqual([String(dcv(301).value), '', '4.2e-8', 'V', 'settling', 'false', 'settling']);
    // i = 302: no correction verdict (none configured): the corrected value is the value.
    expect(rows[2]![4]).toBe(rows[2]![5]);
    expect((await app.inject('/api/v1/standards/nope/readings.csv')).statusCode).toBe(404);
  });

  it('exports the whole stay by default, every reading', async () => {
    const res = await app.inject('/api/v1/standards/Z1/readings.csv');
    expect(res.body.trimEnd().split('\r\n')).toHaveLength(N + 1);
  });
});
