import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import type { GatewayView, JournalReader } from '../../src/api/view.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';

function record(seq: number, device: string, channel: string, value: number): JournalRecord {
  return {
    seq,
    kind: 'reading',
    gateway: 'gw',
    lab: 'L',
    time: Date.UTC(2026, 0, 1, 0, 0, seq),
    reading: { device, channel, quantity: 'voltage', value, unit: 'V', time: Date.UTC(2026, 0, 1, 0, 0, seq), flags: [] },
    prevHash: '',
    hash: 'h',
  };
}

function viewWith(ready: boolean, records: JournalRecord[]): { view: GatewayView; queries: unknown[] } {
  const queries: unknown[] = [];
  const journal: JournalReader = {
    recentReadings: (q) => {
      queries.push(q);
      return records
        .filter((r) => (!q.device || r.reading!.device === q.device) && (!q.channel || r.reading!.channel === q.channel))
        .filter((r) => q.since === undefined || r.time >= q.since)
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
    app = buildApi(viewWith(true, [record(1, 'dmm', 'dcv', 10), record(2, 'dmm', 'dcv', 10)]).view, silentLogger());
    const body = (await app.inject('/api/v1/status')).json();
    expect(body.devices[0]).toMatchObject({ id: 'dmm', driver: 'scpi', state: 'connected', readings: 3, errors: 0 });
    expect(body.journal).toMatchObject({ records: 2, lastSeq: 2 });
    expect(body.links[0]).toMatchObject({ id: 'lan', state: 'connected' });
  });

  it('serves readings newest first with filters passed to the journal', async () => {
    const records = [record(1, 'dmm', 'dcv', 1), record(2, 'ptu', 'rh', 45), record(3, 'dmm', 'dcv', 3)];
    const { view, queries } = viewWith(true, records);
    app = buildApi(view, silentLogger());
    const res = await app.inject('/api/v1/readings?device=dmm&channel=dcv&limit=5&since=2026-01-01T00:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json().readings.map((r: { seq: number }) => r.seq)).toEqual([3, 1]);
    expect(res.json().readings[0]).toMatchObject({ device: 'dmm', channel: 'dcv', value: 3, unit: 'V', time: '2026-01-01T00:00:03.000Z' });
    expect(queries[0]).toEqual({ device: 'dmm', channel: 'dcv', limit: 5, since: Date.UTC(2026, 0, 1) });
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
