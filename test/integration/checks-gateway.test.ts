/**
 * A whole gateway with its checks: simulated DMM and PTU300 over loopback TCP, the journal on a
 * temporary file, the status API on a free port. An operator moves the standard through its
 * lifecycle over HTTP; the readings carry live verdicts; a restart continues from the journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/core/logger.js';
import { registry } from '../../src/registry.js';
import { actionResponse, standardDetailSchema } from '../../src/api/standards-docs.js';

const TOKEN = 'operator-token-for-tests-0123';
const dir = mkdtempSync(join(tmpdir(), 'tg-checks-gw-'));
let gateway: Gateway | undefined;

afterAll(async () => {
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = `
gateway: { id: gw-checks, lab: TEST, dataDir: "\${DATA}" }
api: { port: 0, tokens: [ { name: alice, token: "\${TOKEN}", rights: [read, operate] } ] }
journal: { commitInterval: 5ms }
world:
  seed: 3
  standards: [ { id: z1, driftPerDay: -3.0e-8, noise: 5.0e-8, tempco: 0 } ]
simulators:
  - { id: dmm-sim, kind: scpi-dmm, listen: { tcp: { port: 0 } }, options: { standard: z1 } }
  - { id: ptu-sim, kind: vaisala-ptu300, listen: { tcp: { port: 0 } } }
links:
  - { id: dmm-lan, type: tcp, simulator: dmm-sim }
  - { id: ptu-lan, type: tcp, simulator: ptu-sim, writeTerminator: CRLF }
devices:
  - { id: dmm, driver: scpi, link: dmm-lan, interval: 50ms }
  - { id: ptu, driver: vaisala-ptu300, link: ptu-lan, interval: 100ms, options: { mode: polled } }
standards:
  - id: Z1
    nominal: 10
    measurand: { device: dmm, channel: dcv }
    environment:
      temperature: { device: ptu, channel: temperature }
      humidity: { device: ptu, channel: humidity }
      pressure: { device: ptu, channel: pressure }
      window: { temperature: { min: 20, max: 26 }, humidity: { min: 20, max: 70 } }
    reference: { t0: "2026-01-01T00:00:00Z", x0: 10.0000025, uX0: 1.0e-6, driftPerDay: -3.0e-8, uDriftPerDay: 1.0e-8, uTransport: 1.0e-7 }
    settling: { time: 1s, window: 600ms }
`;

function loadConfigText(dataDir: string, token: string): Config {
  const r = parseConfig(CONFIG, registry, { DATA: dataDir, TOKEN: token });
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.config;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function start(): Promise<Gateway> {
  const config = loadConfigText(dir, TOKEN);
  const gw = buildGateway(config, { registry, log: silentLogger() });
  await gw.start();
  return gw;
}

const get = async (gw: Gateway, path: string): Promise<unknown> => (await fetch(`${gw.url}${path}`)).json();
const standard = async (gw: Gateway) => standardDetailSchema.parse(await get(gw, '/api/v1/standards/Z1'));
const post = (gw: Gateway, path: string, body: unknown, token?: string) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('a gateway with a travelling standard', () => {
  it('moves the standard through its lifecycle with live verdicts, and a restart continues', async () => {
    gateway = await start();
    const gw = gateway;
    const first = await until('readings of the standard', async () => {
      const d = await standard(gw);
      return d.readings >= 3 ? d : undefined;
    });
    expect(first).toMatchObject({ state: 'awaiting', verified: 0, lifecycle: { allowed: ['in_transit'] } });
    const journaled = (await get(gw, '/api/v1/readings?device=dmm&limit=1')) as { readings: unknown[] };
    expect(journaled.readings).toHaveLength(1);

    const url = '/api/v1/standards/Z1/transitions';
    expect((await post(gw, url, { to: 'in_transit' })).status).toBe(401);
    expect((await post(gw, url, { to: 'measuring' }, TOKEN)).status).toBe(409);
    const depart = await post(gw, url, { to: 'in_transit', note: 'courier' }, TOKEN);
    expect(depart.status).toBe(200);
    expect(actionResponse.parse(await depart.json()).standard!.lifecycle.cause).toEqual({ kind: 'operator', by: 'alice', note: 'courier' });
    expect((await post(gw, url, { to: 'settling' }, TOKEN)).status).toBe(200);

    // Settling: 1 s and a 0.6 s window of readings, then measuring by itself and verified.
    const measuring = await until('verified readings', async () => {
      const d = await standard(gw);
      return d.state === 'measuring' && d.verified >= 3 ? d : undefined;
    });
    expect(measuring.lifecycle.cause).toEqual({ kind: 'evidence', evidence: 'settled' });
    expect(measuring.settling.settled).toBe(true);
    expect(measuring.environment.temperature!.value).toBeGreaterThan(22);
    expect(measuring.verdicts.checks.prediction!.pass).toBeGreaterThan(0);
    const before = measuring.readings;
    await gw.stop();
    gateway = undefined;

    // The restart rebuilds the checks from the checkpoint and the journal before acquisition.
    gateway = await start();
    const again = await standard(gateway);
    expect(again.state).toBe('measuring');
    expect(again.readings).toBeGreaterThanOrEqual(before);
    expect(again.lifecycle.transitions).toBe(3);
    const gw2 = gateway;
    await until('verified readings after the restart', async () => {
      const d = await standard(gw2);
      return d.verified > measuring.verified ? d : undefined;
    });
  });
});
