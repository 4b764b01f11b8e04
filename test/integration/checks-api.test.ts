/**
 * The standards and channel routes against a real engine, pipeline and journal (Fastify inject).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { adevResponse } from '../../src/api/channels.js';
import { actionResponse, standardDetailSchema, standardsResponse } from '../../src/api/standards-docs.js';
import type { GatewayView } from '../../src/api/view.js';
import { CheckEngine, CheckPipeline, detail, summaries } from '../../src/checks/index.js';
import { overlappingAdev } from '../../src/checks/stats/index.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, JournalRecord, Reading } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { MIN, Scenario, asAcquisition, testStandard } from '../unit/checks/scenario.js';

const OPERATOR = 'operator-token-0123456789';
const READER = 'reader-token-0123456789ab';
const dir = mkdtempSync(join(tmpdir(), 'tg-checks-api-'));
const sc = new Scenario(MIN);
const journal = Journal.open({ path: join(dir, 'j.sqlite'), gateway: 'gw', lab: 'LAB', clock: sc.clock, commitIntervalMs: 0, log: silentLogger(), synchronous: 'NORMAL' });
const engine = new CheckEngine([testStandard()]);
const pipeline = new CheckPipeline(engine, journal, { clock: sc.clock, log: silentLogger() });
const view: GatewayView = {
  info: () => ({ gateway: 'gw', lab: 'LAB', version: '0', startedAt: '2026-01-01T00:00:00.000Z' }),
  isReady: () => true,
  devices: () => [],
  links: () => [],
  journal: () => journal,
  standards: () => summaries(engine),
  standard: (id) => detail(engine, id),
  transition: (id, to, note, by) => pipeline.transition(id, to, note, by),
  resolveAlarms: (id, note, by) => pipeline.resolveAlarms(id, note, by),
};
let app: FastifyInstance;

/** One cycle's readings as the devices give them: one acquisition per device (the PTU's three channels together). */
function byDevice(readings: Reading[]): Acquisition[] {
  const out = new Map<string, Acquisition>();
  for (const r of readings) {
    const one = asAcquisition(r);
    const a = out.get(r.device);
    if (a) Object.assign(a.channels, one.channels);
    else out.set(r.device, one);
  }
  return [...out.values()];
}

const eventOf = (r: JournalRecord | undefined) => (r?.kind === 'event' ? r.event : undefined);

beforeAll(async () => {
  app = buildApi(view, silentLogger(), {
    tokens: [
      { name: 'alice', token: OPERATOR, rights: ['read', 'operate'] },
      { name: 'viewer', token: READER, rights: ['read'] },
    ],
  });
  for (let i = 0; i < 200; i++) await Promise.all(byDevice(sc.cycle()).map((a) => pipeline.acquisition(a)));
});

afterAll(async () => {
  await app.close();
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown, token?: string) =>
  app.inject({ method: 'POST', url, payload: body as object, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('standards API', () => {
  it('lists the standards and describes one', async () => {
    const list = standardsResponse.parse((await app.inject('/api/v1/standards')).json());
    expect(list.standards.map((s) => [s.id, s.state, s.readings])).toEqual([['Z1', 'awaiting', 200]]);
    const res = await app.inject('/api/v1/standards/Z1');
    expect(res.statusCode).toBe(200);
    const d = standardDetailSchema.parse(res.json());
    expect(d.lifecycle).toMatchObject({ state: 'awaiting', allowed: ['in_transit'], transitions: 0 });
    expect(d.verdicts.readings).toBe(200);
    expect(d.verdicts.verified).toBe(0);
    expect((await app.inject('/api/v1/standards/nope')).statusCode).toBe(404);
  });

  it('moves a standard only with an operator token, journaling who did it', async () => {
    const url = '/api/v1/standards/Z1/transitions';
    const none = await post(url, { to: 'in_transit' });
    expect(none.statusCode).toBe(401);
    expect((await post(url, { to: 'in_transit' }, READER)).statusCode).toBe(403);
    expect((await post(url, { to: 'flying' }, OPERATOR)).statusCode).toBe(400);
    const forbidden = await post(url, { to: 'measuring' }, OPERATOR);
    expect(forbidden.statusCode).toBe(409);
    expect(forbidden.json()).toMatchObject({ error: 'conflict', allowed: ['in_transit'] });
    expect((await post('/api/v1/standards/nope/transitions', { to: 'in_transit' }, OPERATOR)).statusCode).toBe(404);
    expect(engine.runtime('Z1')!.state.lifecycle.transitions).toBe(0);

    const ok = await post(url, { to: 'in_transit', note: 'courier 42' }, OPERATOR);
    expect(ok.statusCode).toBe(200);
    const body = actionResponse.parse(ok.json());
    expect(body.state).toBe('in_transit');
    expect(body.standard!.lifecycle.cause).toEqual({ kind: 'operator', by: 'alice', note: 'courier 42' });
    const rec = journal.record(body.seq)!;
    expect(eventOf(rec)).toMatchObject({ type: 'standard_transition', standard: 'Z1', data: { from: 'awaiting', to: 'in_transit', cause: 'operator', by: 'alice', note: 'courier 42' } });
    expect((await post(url, { to: 'in_transit' }, OPERATOR)).statusCode).toBe(409);

    const resolved = await post('/api/v1/standards/Z1/alarms/resolve', { note: 'none open' }, OPERATOR);
    expect(resolved.statusCode).toBe(200);
    expect(eventOf(journal.record(resolved.json().seq))).toMatchObject({ type: 'standard_alarms_resolved', data: { by: 'alice', resolved: 0 } });
    expect((await post('/api/v1/standards/Z1/alarms/resolve', {})).statusCode).toBe(401);
  });

  it("computes a channel's overlapping Allan deviation from the journal", async () => {
    const res = await app.inject('/api/v1/channels/dmm/dcv/adev?limit=200');
    expect(res.statusCode).toBe(200);
    const body = adevResponse.parse(res.json());
    const values = journal
      .recentReadings({ device: 'dmm', channel: 'dcv', limit: 200 })
      .reverse()
      .map((r) => r.value!);
    const expected = overlappingAdev(values, 60);
    expect(body).toMatchObject({ n: 200, tau0: 60, unit: 'V', gaps: 0, relative: false });
    expect(body.points.map((p) => p.tau)).toEqual([60, 120, 240, 480, 960, 1920, 3840]);
    body.points.forEach((p, i) => expect(p.adev).toBeCloseTo(expected[i]!.adev, 15));
    // White noise of 50 nV: σ(τ0) ≈ 50 nV, falling as τ^-1/2 (the daily swing is corrected out only partly).
    expect(body.points[0]!.adev).toBeGreaterThan(3.5e-8);
    expect(body.points[0]!.adev).toBeLessThan(6.5e-8);
    const rel = adevResponse.parse((await app.inject('/api/v1/channels/dmm/dcv/adev?limit=200&relative=true')).json());
    expect(rel.points[0]!.adev).toBeCloseTo(body.points[0]!.adev / 10, 13);
    expect((await app.inject('/api/v1/channels/dmm/nothing/adev')).statusCode).toBe(422);
    expect((await app.inject('/api/v1/channels/dmm/dcv/adev?limit=2')).statusCode).toBe(400);
  });
});
