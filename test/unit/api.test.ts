import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import type { GatewayView, JournalReader } from '../../src/api/view.js';
import { silentLogger } from '../../src/core/logger.js';
import { readingsOf } from '../../src/core/records.js';
import type { ChannelReading, JournalRecord } from '../../src/core/types.js';

/** One acquisition record of `device` with the given channels (voltage in V unless given). */
function record(seq: number, device: string, channels: Record<string, number | ChannelReading>): JournalRecord {
  const chs: Record<string, ChannelReading> = {};
  for (const [name, c] of Object.entries(channels)) chs[name] = typeof c === 'number' ? { quantity: 'voltage', value: c, unit: 'V' } : c;
  return { v: 2, seq, kind: 'acquisition', gateway: 'gw', lab: 'L', time: Date.UTC(2026, 0, 1, 0, 0, seq), clock: 'yes', device, channels: chs, prevHash: '', hash: 'h' };
}

function viewWith(ready: boolean, records: JournalRecord[]): { view: GatewayView; queries: unknown[] } {
  const queries: unknown[] = [];
  const journal: JournalReader = {
    recentReadings: (q) => {
      queries.push(q);
      return records
        .flatMap((r) => readingsOf(r, q.channel))
        .filter((r) => (!q.device || r.device === q.device) && (q.since === undefined || r.time >= q.since))
        .sort((a, b) => b.seq - a.seq)
        .slice(0, q.limit);
    },
    stats: () => ({ records: records.length, firstSeq: 1, lastSeq: records.length, sizeBytes: 4096 }),
  };
  const view: GatewayView = {
    info: () => ({ gateway: 'gw', lab: 'L', version: '0.0.0', startedAt: '2026-01-01T00:00:00.000Z' }),
    isReady: () => ready,
    devices: () => [
      {
        id: 'dmm',
        driver: 'scpi',
        link: 'lan',
        state: 'connected',
        readings: 3,
        errors: 0,
        errorsByCode: {},
        lastReadingAt: '2026-01-01T00:00:03.000Z',
        lastError: null,
        identity: { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'MY1' },
        identityMatches: true,
      },
    ],
    links: () => [{ id: 'lan', type: 'tcp', state: 'connected', address: 'tcp://127.0.0.1:5025', reconnects: 0 }],
    journal: () => journal,
  };
  return { view, queries };
}

describe('status API', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it('answers /healthz always and /readyz 503 until ready', async () => {
    app = buildApi(viewWith(false, []).view, silentLogger());
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    await app.close();
    app = buildApi(viewWith(true, []).view, silentLogger());
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it('reports devices, links and the journal in /api/v1/status', async () => {
    app = buildApi(viewWith(true, [record(1, 'dmm', { dcv: 10 }), record(2, 'dmm', { dcv: 10 })]).view, silentLogger());
    const body = (await app.inject('/api/v1/status')).json();
    expect(body.devices[0]).toMatchObject({ id: 'dmm', driver: 'scpi', state: 'connected', readings: 3, errors: 0 });
    expect(body.journal).toMatchObject({ records: 2, lastSeq: 2 });
    expect(body.links[0]).toMatchObject({ id: 'lan', state: 'connected' });
  });

  it('serves readings newest first with filters passed to the journal', async () => {
    const rh = { quantity: 'humidity', value: 45, unit: '%RH' };
    const records = [record(1, 'dmm', { dcv: 1, acv: 0.5 }), record(2, 'ptu', { rh, t: { quantity: 'temperature', value: 23.1, unit: '°C' } }), record(3, 'dmm', { dcv: 3, acv: 0.7 })];
    const { view, queries } = viewWith(true, records);
    app = buildApi(view, silentLogger());
    const res = await app.inject('/api/v1/readings?device=dmm&channel=dcv&limit=5&since=2026-01-01T00:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json().readings.map((r: { seq: number }) => r.seq)).toEqual([3, 1]);
    expect(res.json().readings[0]).toEqual({ seq: 3, device: 'dmm', channel: 'dcv', quantity: 'voltage', value: 3, unit: 'V', flags: [], time: '2026-01-01T00:00:03.000Z' });
    expect(queries[0]).toEqual({ device: 'dmm', channel: 'dcv', limit: 5, since: Date.UTC(2026, 0, 1) });
    // One acquisition of several channels is listed as one reading per channel, each with its record's seq.
    const ptu = (await app.inject('/api/v1/readings?device=ptu')).json().readings;
    expect(ptu.map((r: { seq: number; channel: string; value: number }) => [r.seq, r.channel, r.value])).toEqual([
      [2, 'rh', 45],
      [2, 't', 23.1],
    ]);
    expect(ptu[1]).toMatchObject({ quantity: 'temperature', unit: '°C', time: '2026-01-01T00:00:02.000Z' });
  });

  it('rejects bad query parameters with every problem as path: message', async () => {
    app = buildApi(viewWith(true, []).view, silentLogger());
    const res = await app.inject('/api/v1/readings?limit=0&since=yesterday');
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toEqual(
      expect.arrayContaining([expect.stringMatching(/^limit: /), 'since: expected an ISO 8601 time']),
    );
  });
});
