/**
 * Two receivers on an MQTT 5 shared subscription with one real PostgreSQL reach the same
 * per-gateway state as one receiver with SQLite, on the same recorded stream: three gateways'
 * records published in a shuffled order, in small arrays, with repeats and one forgery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { loadPrivateKey, writeKeyPair } from '../../src/integrity/seal.js';
import { buildPilot, type Pilot } from '../../src/pilot/pilot.js';
import type { PilotStore } from '../../src/pilot/store/types.js';
import { waitFor } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { startPostgres, type PostgresServer } from '../helpers/servers/postgresql.js';
import { LABS, pilotConfig } from './helpers/config.js';
import { shuffled, StreamGen, type Made } from './helpers/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-shared-'));
const T0 = Date.parse('2026-05-01T00:00:00Z');
let broker: MosquittoServer;
let pg: PostgresServer;
const receivers: Pilot[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  [broker, pg] = await Promise.all([startMosquitto(), startPostgres()]);
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.endAsync().catch(() => undefined);
  for (const r of receivers) await r.stop().catch(() => undefined);
  await broker?.close();
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function progressOf(store: PilotStore) {
  return (await store.progress()).map(({ updatedAt: _u, headReceivedAt: _h, duplicates: _d, ...rest }) => rest);
}

describe('a shared subscription with PostgreSQL', () => {
  it('gives the same per-gateway state as one receiver with SQLite', async () => {
    const gws = LABS.map((lab, i) => {
      const id = `tg-${lab.toLowerCase()}-${i + 1}`;
      const key = writeKeyPair(join(dir, `${id}.key`));
      return { id, lab, publicKey: key.publicKeyFile, gen: new StreamGen(id, lab, loadPrivateKey(join(dir, `${id}.key`))) };
    });
    const gateways = gws.map(({ id, lab, publicKey }) => ({ id, lab, publicKey }));
    const postgres = await pg.createDatabase('pilot_shared');
    const solo = buildPilot(pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'solo'), clientId: 'pilot-solo', gateways }), { log: silentLogger() });
    const b = buildPilot(pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'b'), clientId: 'pilot-b', gateways, postgres, sharedGroup: 'pilots' }), { log: silentLogger() });
    const c = buildPilot(pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'c'), clientId: 'pilot-c', gateways, postgres, sharedGroup: 'pilots' }), { log: silentLogger() });
    for (const r of [solo, b, c]) {
      await r.start();
      receivers.push(r);
    }

    // The recorded stream: each gateway's records in arrays of 1 to 4, shuffled, 15 % sent twice.
    const messages: { lab: string; payload: string }[] = [];
    const last: Record<string, number> = {};
    for (const g of gws) {
      const made = g.gen.run(240, T0, 20, (i) => 10 + i * 1e-9);
      last[g.id] = g.gen.seq;
      for (let i = 0; i < made.length; ) {
        const n = 1 + (i % 4);
        messages.push({ lab: g.lab, payload: `[${made.slice(i, i + n).map((m: Made) => m.json).join(',')}]` });
        i += n;
      }
    }
    const forged = JSON.parse(messages[5]!.payload) as { channels?: { dcv: { value: number } } }[];
    forged[0]!.channels!.dcv.value = 9; // altered: kept apart by every receiver
    const stream = shuffled([...messages, ...shuffled(messages, 3).slice(0, Math.round(messages.length * 0.15)), { lab: messages[5]!.lab, payload: JSON.stringify(forged) }], 11);
    for (const lab of LABS) clients.push(await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `pub-${lab}` }));
    await Promise.all(
      LABS.map(async (lab, i) => {
        for (const m of stream.filter((x) => x.lab === lab)) await clients[i]!.publishAsync(`travelgate/CMP-1/${lab}/records`, m.payload, { qos: 1 });
      }),
    );

    const done = (store: PilotStore) => async () => ((await store.progress()).every((p) => p.verifiedThrough === last[p.gateway]) ? true : undefined);
    await waitFor('the SQLite receiver verified everything', done(solo.view.store), 30_000);
    await waitFor('the PostgreSQL receivers verified everything', done(b.view.store), 30_000);
    expect(b.ingestor.totals.messages).toBeGreaterThan(0);
    expect(c.ingestor.totals.messages).toBeGreaterThan(0); // the stream was split between them
    expect(b.ingestor.totals.messages + c.ingestor.totals.messages).toBe(stream.length);
    expect(await progressOf(b.view.store)).toEqual(await progressOf(solo.view.store));
    expect((await progressOf(solo.view.store)).map((p) => [p.gateway, p.records])).toEqual(gws.map((g) => [g.id, last[g.id]]).sort());
    const codes = async (s: PilotStore) => (await s.rejected({ limit: 100 })).map((r) => `${r.gateway}:${r.seq}:${r.code}`).sort();
    expect(await codes(b.view.store)).toEqual(await codes(solo.view.store));
    expect(await codes(solo.view.store)).toHaveLength(1);
    const sum = async (s: PilotStore) => (await s.verifiedReadings('Z1')).length;
    expect(await sum(b.view.store)).toBe(await sum(solo.view.store));
  });
});
