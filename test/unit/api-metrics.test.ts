import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { register as globalRegistry } from 'prom-client';
import { buildApi } from '../../src/api/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway, device, eventRecord, readingRecord } from '../helpers/fake-view.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format 0.0.4 strictly: every line is a HELP, a TYPE or a
 * sample of a family declared before it; names and labels are well formed; values are numbers.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"/y;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${name}) (.*)$`).exec(line))) {
      helps.add(m[1]!);
      continue;
    }
    if ((m = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (!helps.has(m[1]!)) throw new Error(`TYPE before HELP: ${line}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) throw new Error(`not a valid exposition line: ${line}`);
    const [, n, rawLabels, rawValue] = m;
    const family = types.has(n!) ? n! : n!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(family)) throw new Error(`sample of an undeclared family: ${line}`);
    const labels: Record<string, string> = {};
    if (rawLabels) {
      let pos = 0;
      while (pos < rawLabels.length) {
        labelRe.lastIndex = pos;
        const l = labelRe.exec(rawLabels);
        if (!l) throw new Error(`bad labels in: ${line}`);
        labels[l[1]!] = l[2]!;
        pos = labelRe.lastIndex;
        if (rawLabels[pos] === ',') pos++;
      }
    }
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
    // Prometheus parses floats with Go's ParseFloat: NaN in any case (prom-client writes "Nan").
    if (Number.isNaN(value) && rawValue?.toLowerCase() !== 'nan') throw new Error(`bad value in: ${line}`);
    samples.push({ name: n!, labels, value });
  }
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /metrics', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function scrape(): Promise<ReturnType<typeof parsePrometheus>> {
    const res = await app!.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(res.body);
  }

  it('is valid Prometheus text, every name prefixed travelgate_, and its counters grow with readings', async () => {
    const gw = new FakeGateway();
    gw.devices = [device('dmm-1', { errors: 3, errorsByCode: { TG_LINK_TIMEOUT: 2, TG_PARSE_ERROR: 1 }, lastReadingAt: '2026-01-01T00:00:05.000Z' })];
    gw.links = [{ id: 'lan', type: 'tcp', state: 'connected', address: 'tcp://127.0.0.1:5025', reconnects: 2 }];
    app = buildApi(gw.view, silentLogger());

    const before = await scrape();
    for (const n of before.types.keys()) expect(n.startsWith('travelgate_')).toBe(true);
    for (const [n, t] of before.types) if (t === 'counter') expect(n.endsWith('_total')).toBe(true);
    expect(value(before.samples, 'travelgate_readings_total', { device: 'dmm-1', quality: 'ok' }) ?? 0).toBe(0);

    gw.commit([
      readingRecord(1),
      readingRecord(2, {}, { standard: 'z-1', verdicts: [{ check: 'en', result: 'pass' }, { check: 'eb', result: 'warn' }] }),
      readingRecord(3, { flags: ['env_out_of_window'] }),
      readingRecord(4, { value: null, flags: ['timeout'] }),
      eventRecord(5, 'transport_alarm', 'alarm', 'shock'),
    ]);
    const after = await scrape();
    expect(value(after.samples, 'travelgate_readings_total', { device: 'dmm-1', quality: 'ok' })).toBe(2);
    expect(value(after.samples, 'travelgate_readings_total', { device: 'dmm-1', quality: 'flagged' })).toBe(1);
    expect(value(after.samples, 'travelgate_readings_total', { device: 'dmm-1', quality: 'no_value' })).toBe(1);
    expect(value(after.samples, 'travelgate_reading_flags_total', { device: 'dmm-1', flag: 'timeout' })).toBe(1);
    expect(value(after.samples, 'travelgate_check_verdicts_total', { standard: 'z-1', check: 'eb', result: 'warn' })).toBe(1);
    expect(value(after.samples, 'travelgate_events_total', { type: 'transport_alarm', severity: 'alarm' })).toBe(1);

    gw.commit([readingRecord(6), readingRecord(7)]);
    const later = await scrape();
    expect(value(later.samples, 'travelgate_readings_total', { device: 'dmm-1', quality: 'ok' })).toBe(4);
  });

  it('reads state at scrape time: errors by code, device and link state, journal, the process (default metrics)', async () => {
    const gw = new FakeGateway();
    gw.devices = [device('dmm-1', { state: 'faulted', errors: 3, errorsByCode: { TG_LINK_TIMEOUT: 2, TG_PARSE_ERROR: 1 } })];
    gw.links = [{ id: 'lan', type: 'tcp', state: 'down', address: 'tcp://127.0.0.1:5025', reconnects: 2 }];
    gw.commit([readingRecord(1), readingRecord(2)]);
    app = buildApi(gw.view, silentLogger());
    const { samples, types } = await scrape();
    expect(value(samples, 'travelgate_errors_total', { device: 'dmm-1', code: 'TG_LINK_TIMEOUT' })).toBe(2);
    expect(value(samples, 'travelgate_device_state', { device: 'dmm-1', state: 'faulted' })).toBe(1);
    expect(value(samples, 'travelgate_device_state', { device: 'dmm-1', state: 'connected' })).toBe(0);
    expect(value(samples, 'travelgate_link_up', { link: 'lan' })).toBe(0);
    expect(value(samples, 'travelgate_link_state', { link: 'lan', state: 'down' })).toBe(1);
    expect(value(samples, 'travelgate_link_reconnects_total', { link: 'lan' })).toBe(2);
    expect(value(samples, 'travelgate_journal_last_seq')).toBe(2);
    expect(value(samples, 'travelgate_journal_records')).toBe(2);
    expect(value(samples, 'travelgate_journal_size_bytes')).toBe(8192);
    // The process itself: prom-client's default metrics under the same prefix.
    expect(types.get('travelgate_nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    expect(value(samples, 'travelgate_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'travelgate_process_resident_memory_bytes')).toBeGreaterThan(0);

    // Later state shows at the next scrape: nothing to keep in sync.
    gw.devices = [device('dmm-1', { state: 'connected' })];
    gw.links = [{ id: 'lan', type: 'tcp', state: 'connected', address: 'tcp://127.0.0.1:5025', reconnects: 3 }];
    const again = (await scrape()).samples;
    expect(value(again, 'travelgate_device_state', { device: 'dmm-1', state: 'connected' })).toBe(1);
    expect(value(again, 'travelgate_link_up', { link: 'lan' })).toBe(1);
  });

  it('reports sink backlog and lag, from the sinks or else from the journal cursors', async () => {
    const gw = new FakeGateway();
    gw.commit(Array.from({ length: 10 }, (_, i) => readingRecord(i + 1)));
    gw.cursors = [{ name: 'influx', seq: 7, updatedAt: 0 }];
    app = buildApi(gw.view, silentLogger());
    const fromCursors = (await scrape()).samples;
    expect(value(fromCursors, 'travelgate_sink_pending_records', { sink: 'influx' })).toBe(3);
    expect(value(fromCursors, 'travelgate_sink_lag_seconds', { sink: 'influx' })).toBeGreaterThan(0); // record 8 is from 2026-01-01
    expect(value(fromCursors, 'travelgate_sink_last_seq', { sink: 'influx' })).toBe(7);

    gw.sinks = [
      { name: 'mqtt', state: 'retrying', cursor: 4, pending: 6, delivered: 4, quarantined: 0, lastError: 'connect ECONNREFUSED', lastErrorAt: null, lagSeconds: 12.5 },
    ];
    const fromSinks = (await scrape()).samples;
    expect(value(fromSinks, 'travelgate_sink_pending_records', { sink: 'mqtt' })).toBe(6);
    expect(value(fromSinks, 'travelgate_sink_lag_seconds', { sink: 'mqtt' })).toBe(12.5);
    expect(value(fromSinks, 'travelgate_sink_state', { sink: 'mqtt', state: 'retrying' })).toBe(1);
    expect(value(fromSinks, 'travelgate_sink_delivered_total', { sink: 'mqtt' })).toBe(4);
  });

  it("uses a registry of its own, not prom-client's global default one", async () => {
    const gw = new FakeGateway();
    app = buildApi(gw.view, silentLogger());
    const second = buildApi(gw.view, silentLogger());
    try {
      await Promise.all([app.ready(), second.ready()]); // the metrics count from the API's start
      gw.commit([readingRecord(1)]);
      const a = parsePrometheus((await app.inject('/metrics')).body).samples;
      const b = parsePrometheus((await second.inject('/metrics')).body).samples;
      expect(value(a, 'travelgate_readings_total', { quality: 'ok' })).toBe(1);
      expect(value(b, 'travelgate_readings_total', { quality: 'ok' })).toBe(1);
      expect((await globalRegistry.metrics()).includes('travelgate_')).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('needs a read token when reads are protected', async () => {
    const gw = new FakeGateway();
    app = buildApi(gw.view, silentLogger(), { tokens: [{ name: 'prometheus', token: 'prometheus-token-0123', rights: ['read'] }], requireTokenForReads: true });
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer prometheus-token-0123' } });
    expect(ok.statusCode).toBe(200);
  });
});
