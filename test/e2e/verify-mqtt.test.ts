import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyFile } from '../../src/cli/verify.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';
import { simulatedDmmsYaml } from '../helpers/gateway-config.js';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { textWritable as text } from '../helpers/text-writable.js';

/** A gateway forwarding to the broker through its MQTT sink, sealing often. */
const CONFIG = `
gateway: { id: tg-mqtt-verify, lab: TEST, comparison: CMP-1, dataDir: "\${TRAVELGATE_DATA_DIR}" }
api: { port: 0 }
journal: { commitInterval: 5ms }
integrity: { generateKey: true, sealEvery: { records: 100, interval: 300ms } }
sinks: { mqtt: { url: "\${MQTT_URL}" } }
${simulatedDmmsYaml(1, '10ms')}`;
const RECORDS_TOPIC = 'travelgate/CMP-1/TEST/records';

/** The platform side: every payload on the records topic, raw, in arrival order. */
async function collect(url: string): Promise<{ client: MqttClient; payloads: string[] }> {
  const payloads: string[] = [];
  const client = connect(url, { protocolVersion: 5, clientId: `platform-${process.pid}`, clean: true, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  client.on('message', (_topic, payload) => payloads.push(payload.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(RECORDS_TOPIC, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return { client, payloads };
}

const seqOf = (payload: string): number => (JSON.parse(payload) as { seq: number }).seq;

async function verify(file: string, publicKey: string) {
  const io = { stdout: text(), stderr: text() };
  const code = await verifyFile(file, [publicKey], io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe('the stream a gateway forwarded over MQTT, collected from the broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-verify-mqtt-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, CONFIG);
  const dataDir = join(dir, 'data');
  const publicKey = join(dataDir, 'seal.key.pub');
  const gateways: GatewayProcess[] = [];
  let broker: MosquittoServer;
  let platform: { client: MqttClient; payloads: string[] } | undefined;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    await platform?.client.endAsync(true).catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies as collected across a SIGKILL and restart; out of order and duplicated too; a lost record fails', async () => {
    platform = await collect(broker.url);
    const payloads = platform.payloads;
    const env = { TRAVELGATE_DATA_DIR: dataDir, MQTT_URL: broker.url };

    const first = await startGatewayProcess(config, env);
    gateways.push(first);
    await waitFor('forwarded records', async () => (payloads.length >= 150 ? true : undefined));
    await first.kill(); // the sink's cursor lags: the restarted gateway resends what it cannot prove delivered
    const second = await startGatewayProcess(config, env);
    gateways.push(second);
    const beforeRestart = Math.max(...payloads.map(seqOf));
    await waitFor('records forwarded after the restart', async () => (Math.max(...payloads.map(seqOf)) > beforeRestart + 100 ? true : undefined));
    expect(await second.stop()).toBe(0); // final seal, forwarded during the sink's stop grace

    const journal = Journal.open({ path: join(dataDir, 'journal.sqlite'), gateway: 'tg-mqtt-verify', lab: 'TEST', clock: systemClock, commitIntervalMs: 0, log: silentLogger(), readonly: true });
    const last = journal.record(journal.lastSeq)!;
    await journal.close();
    expect(last.kind).toBe('seal');
    await waitFor('every record at the platform', async () => (new Set(payloads.map(seqOf)).size === last.seq ? true : undefined));

    const capture = join(dir, 'capture.ndjson');
    writeFileSync(capture, `${payloads.join('\n')}\n`);
    const asCollected = await verify(capture, publicKey);
    expect(asCollected.stdout).toMatch(new RegExp(`^OK: ${last.seq} records, seq 1\\.\\.${last.seq},`));
    expect(asCollected.code).toBe(0);

    // Delivery order means nothing and QoS 1 delivers at least once: reversed, with repeats.
    writeFileSync(capture, `${[...payloads].reverse().concat(payloads.slice(0, 40)).join('\n')}\n`);
    const shuffled = await verify(capture, publicKey);
    expect(shuffled.code).toBe(0);
    expect(shuffled.stderr).toMatch(/identical duplicate\(s\) dropped: checked in seq order/);

    // Every copy of one reading lost on the way: completeness can no longer be proven.
    const lost = seqOf(payloads.find((p) => JSON.parse(p).kind === 'reading' && seqOf(p) > 20)!);
    writeFileSync(capture, `${payloads.filter((p) => seqOf(p) !== lost).join('\n')}\n`);
    const missing = await verify(capture, publicKey);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(new RegExp(`^FAILED at seq ${lost}: record missing`));
  }, 90_000); // several processes start here, on a shared two-core machine
});
