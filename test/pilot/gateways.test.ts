/**
 * Three real gateways of three labs, each on a simulated DMM, forward to a real mosquitto; one
 * receiver (SQLite) verifies every record as it arrives and computes the results. Its API shows
 * each lab only its own data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyFile } from '../../src/cli/verify.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { Journal } from '../../src/journal/index.js';
import { buildPilot, type Pilot } from '../../src/pilot/pilot.js';
import { registry } from '../../src/registry.js';
import { waitFor } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { textWritable } from '../helpers/text-writable.js';
import { labGateway, LABS, labToken, PILOT_TOKEN, pilotConfig } from './helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-gw-'));
let broker: MosquittoServer;
let receiver: Pilot;
const gateways: { id: string; lab: string; gw: Gateway; dataDir: string }[] = [];
let lastSeqs: Record<string, number> = {};

const api = async (path: string, token?: string) => {
  const res = await fetch(`${receiver.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV, XML, NDJSON
  }
  return { status: res.status, body: body as Record<string, unknown> & unknown[], text };
};
type GatewayJson = { gateway: string; lab: string; records: number; verifiedThrough: number; missing: unknown[]; rejected: { count: number }; lagSeconds: number; head: { seq: number } };
const gatewaysOf = async (token: string) => ((await api('/api/v1/comparison/gateways', token)).body as unknown as { gateways: GatewayJson[] }).gateways;

beforeAll(async () => {
  broker = await startMosquitto();
  const made = LABS.map((lab, i) => {
    const id = `tg-${lab.toLowerCase()}-${i + 1}`;
    const dataDir = join(dir, id);
    return { id, lab, dataDir, ...labGateway(id, lab, dataDir, broker.url, 1e-7 * (i + 2)) };
  });
  const config = pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'pilot'), clientId: 'pilot-1', gateways: made.map((m) => ({ id: m.id, lab: m.lab, publicKey: m.publicKey })) });
  receiver = buildPilot(config, { log: silentLogger() });
  await receiver.start(); // first: its session exists before the gateways publish
  for (const m of made) {
    const gw = buildGateway(m.config, { registry, log: silentLogger() });
    await gw.start();
    gateways.push({ id: m.id, lab: m.lab, gw, dataDir: m.dataDir });
  }
  // While the gateways run, verifiedThrough follows each head: every head seen at one moment is
  // verified a little later (within a seal interval or two), over and over.
  for (let round = 0; round < 3; round++) {
    const heads = await waitFor('records of every gateway', async () => {
      const gs = await gatewaysOf(PILOT_TOKEN);
      return gs.every((g) => g.head.seq > 20 * (round + 1)) ? new Map(gs.map((g) => [g.gateway, g.head.seq])) : undefined;
    }, 30_000);
    await waitFor('verifiedThrough up to those heads', async () => ((await gatewaysOf(PILOT_TOKEN)).every((g) => g.verifiedThrough >= heads.get(g.gateway)! && g.missing.length === 0) ? true : undefined), 30_000);
  }
  // Then a clean stop (its journal ends with a seal).
  for (const g of gateways) await g.gw.stop();
  for (const g of gateways) {
    const j = Journal.open({ path: join(g.dataDir, 'journal.sqlite'), gateway: g.id, lab: g.lab, clock: systemClock, commitIntervalMs: 0, log: silentLogger(), readonly: true });
    lastSeqs[g.id] = j.lastSeq;
    await j.close();
  }
}, 90_000);

afterAll(async () => {
  for (const g of gateways) await g.gw.stop().catch(() => undefined);
  await receiver?.stop().catch(() => undefined);
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('three gateways of three labs into one receiver', () => {
  it("verifies every record: verifiedThrough reaches each gateway's head, nothing missing or rejected", async () => {
    const state = await waitFor(
      'every record verified',
      async () => {
        const gs = await gatewaysOf(PILOT_TOKEN);
        return gs.every((g) => g.verifiedThrough === lastSeqs[g.gateway]) ? gs : undefined;
      },
      20_000,
    );
    expect(state.map((g) => g.lab).sort()).toEqual([...LABS].sort());
    for (const g of state) {
      expect(g).toMatchObject({ records: lastSeqs[g.gateway], verifiedThrough: lastSeqs[g.gateway], missing: [], rejected: { count: 0 }, lagSeconds: 0 });
    }
    // The pilot's copy of a stream verifies with the independent file verifier too.
    const ndjson = await api(`/api/v1/comparison/gateways/${gateways[0]!.id}/records.ndjson`, PILOT_TOKEN);
    const file = join(dir, 'copy.ndjson');
    writeFileSync(file, ndjson.text);
    const io = { stdout: textWritable(), stderr: textWritable() };
    expect(await verifyFile(file, [join(gateways[0]!.dataDir, 'seal.key.pub')], io)).toBe(0);
    expect(io.stdout.text).toMatch(new RegExp(`^OK: ${lastSeqs[gateways[0]!.id]} records`));
  });

  it("computes each lab's result with the type B its gateway declared, and the provisional reference value", async () => {
    const res = (await api('/api/v1/comparison/results?standard=Z1', PILOT_TOKEN)).body as unknown as {
      labs: { lab: string; n: number; uB: number; complete: boolean }[];
      reference: { labs: string[]; provisional: boolean };
      equivalence: unknown[];
    };
    expect(res.labs.map((l) => l.lab)).toEqual(['PTB', 'NPL', 'LNE']);
    expect(res.labs.map((l) => l.uB)).toEqual([2e-7, 3e-7, 4e-7]); // standard_declared at each gateway's start
    expect(res.labs.every((l) => l.n > 3 && l.complete)).toBe(true);
    expect(res.reference).toMatchObject({ labs: ['PTB', 'NPL', 'LNE'], provisional: true });
    expect(res.equivalence).toHaveLength(3);
    const csv = await api('/api/v1/comparison/export/results.csv', PILOT_TOKEN);
    expect(csv.text.split('\n')[0]).toMatch(/^standard,lab,unit,n,from,to,mean_epoch,mean,u_A,u_B,u,/);
    expect(csv.text.trim().split('\n')).toHaveLength(4);
    const xml = await api('/api/v1/comparison/export/dcc/NPL.xml?standard=Z1', PILOT_TOKEN);
    expect(xml.status).toBe(200);
    expect(xml.text).toMatch(/<dcc:digitalCalibrationCertificate xmlns:dcc="https:\/\/ptb.de\/dcc"/);
    expect(xml.text).toMatch(/<si:real>\s*<si:value>[0-9.e-]+<\/si:value>\s*<si:unit>\\volt<\/si:unit>/);
    expect(xml.text).toMatch(/<si:coverageFactor>2<\/si:coverageFactor>/);
  });

  it("GET /metrics gives the pilot every stream's progress in Prometheus text; a lab's token is refused", async () => {
    const res = await api('/metrics', PILOT_TOKEN);
    expect(res.status).toBe(200);
    const value = (name: string, gateway: string) => {
      const m = new RegExp(`^${name}\\{gateway="${gateway}",lab="[^"]+"\\} (\\S+)$`, 'm').exec(res.text);
      return m ? Number(m[1]) : undefined;
    };
    for (const g of gateways) {
      expect(value('travelgate_pilot_gateway_verified_through_seq', g.id)).toBe(lastSeqs[g.id]);
      expect(value('travelgate_pilot_gateway_records', g.id)).toBe(lastSeqs[g.id]);
      expect(value('travelgate_pilot_gateway_missing_records', g.id)).toBe(0);
    }
    expect(res.text).toMatch(/^travelgate_pilot_ready 1$/m);
    expect(res.text).toMatch(/^travelgate_pilot_process_cpu_seconds_total /m);
    expect((await api('/metrics', labToken('NPL'))).status).toBe(403);
    expect((await api('/metrics')).status).toBe(401);
  });

  it("a lab's token cannot read another lab's data", async () => {
    expect((await api('/api/v1/comparison/gateways')).status).toBe(401);
    expect((await api('/api/v1/comparison/gateways', 'not-a-valid-token-at-all')).status).toBe(401);
    const npl = labToken('NPL');
    expect((await gatewaysOf(npl)).map((g) => g.lab)).toEqual(['NPL']);
    const results = (await api('/api/v1/comparison/results', npl)).body as unknown as { labs: { lab: string }[]; reference?: unknown; equivalence: unknown[] };
    expect(results.labs.map((l) => l.lab)).toEqual(['NPL']);
    expect(results.reference).toBeUndefined(); // blind until released
    expect(results.equivalence).toEqual([]);
    const timeline = (await api('/api/v1/comparison/timeline', npl)).body as unknown as { series: { lab: string }[] };
    expect(timeline.series.map((s) => s.lab)).toEqual(['NPL']);
    const route = (await api('/api/v1/comparison/route', npl)).body as unknown as { labs: { lab: string }[] };
    expect(route.labs.map((l) => l.lab)).toEqual(['NPL']);
    const ptbGateway = gateways.find((g) => g.lab === 'PTB')!.id;
    expect((await api(`/api/v1/comparison/gateways/${ptbGateway}/records.ndjson`, npl)).status).toBe(404);
    expect((await api('/api/v1/comparison/export/dcc/PTB.xml', npl)).status).toBe(404);
    expect((await api('/api/v1/comparison/export/dcc/NPL.xml', npl)).status).toBe(200);
    const csv = await api('/api/v1/comparison/export/results.csv', npl);
    expect(csv.text.trim().split('\n').slice(1).map((l) => l.split(',')[1])).toEqual(['NPL']);
    expect((await api('/api/v1/comparison/export/equivalence.csv', npl)).text.trim().split('\n')).toHaveLength(1);
    expect(((await api('/api/v1/comparison/rejected', npl)).body as unknown as { rejected: unknown[] }).rejected).toEqual([]);
  });
});
