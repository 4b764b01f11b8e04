/**
 * A real gateway goes offline (its broker is away for a while) and catches up; the receiver, a
 * `travelgate pilot` process, is SIGKILLed while the backlog streams in and started again. In the
 * end every record the gateway journaled is verified, once: nothing lost, nothing counted twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { Journal } from '../../src/journal/index.js';
import { registry } from '../../src/registry.js';
import { waitFor } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { labGateway, PILOT_TOKEN, pilotYaml } from './helpers/config.js';
import { startPilotProcess, type PilotProcess } from './helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-restart-'));
let broker: MosquittoServer;
let gateway: Gateway | undefined;
const receivers: PilotProcess[] = [];

type GatewayJson = { verifiedThrough: number; records: number; duplicates: number; missing: unknown[]; rejected: { count: number } };
async function state(url: string): Promise<GatewayJson> {
  const res = await fetch(`${url}/api/v1/comparison/gateways`, { headers: { authorization: `Bearer ${PILOT_TOKEN}` } });
  return ((await res.json()) as { gateways: GatewayJson[] }).gateways[0]!;
}

beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await gateway?.stop().catch(() => undefined);
  for (const r of receivers) await r.kill();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a gateway offline for a while and a receiver killed with SIGKILL', () => {
  it('lose nothing and count nothing twice', async () => {
    const lab = labGateway('tg-npl-1', 'NPL', join(dir, 'gw'), broker.url);
    const configFile = join(dir, 'pilot.yaml');
    writeFileSync(configFile, pilotYaml({ brokerUrl: broker.url, dataDir: join(dir, 'pilot'), clientId: 'pilot-restart', gateways: [{ id: 'tg-npl-1', lab: 'NPL', publicKey: lab.publicKey }], logLevel: 'info' }));
    let receiver = await startPilotProcess(configFile);
    receivers.push(receiver);
    gateway = buildGateway(lab.config, { registry, log: silentLogger() });
    await gateway.start();
    const online = await waitFor('records verified while online', async () => {
      const s = await state(receiver.url);
      return s.verifiedThrough > 40 ? s : undefined;
    });

    // Offline: the broker goes away; the gateway keeps measuring into its journal.
    await broker.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await broker.start();
    // Catching up: the receiver is killed in the middle of the backlog and started again.
    await waitFor('the backlog arriving', async () => ((await state(receiver.url)).records > online.records + 10 ? true : undefined), 20_000, 20);
    await receiver.kill();
    receiver = await startPilotProcess(configFile);
    receivers.push(receiver);

    await gateway.stop(); // its journal ends with a seal, forwarded on the way out
    gateway = undefined;
    const j = Journal.open({ path: join(dir, 'gw', 'journal.sqlite'), gateway: 'tg-npl-1', lab: 'NPL', clock: systemClock, commitIntervalMs: 0, log: silentLogger(), readonly: true });
    const lastSeq = j.lastSeq;
    await j.close();
    const final = await waitFor('every record verified', async () => {
      const s = await state(receiver.url);
      return s.verifiedThrough === lastSeq ? s : undefined;
    }, 30_000);
    expect(final).toMatchObject({ verifiedThrough: lastSeq, records: lastSeq, missing: [], rejected: { count: 0 } });
    expect(lastSeq).toBeGreaterThan(online.verifiedThrough + 30);
    expect(await receiver.stop()).toBe(0);
  });
});
