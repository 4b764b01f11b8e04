import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyFile } from '../../src/cli/verify.js';
import { systemClock } from '../../src/core/clock.js';
import type { JournalRecord } from '../../src/core/types.js';
import { parseNdjson } from '../../src/integrity/ndjson.js';
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
const BASE = 'travelgate/CMP-1/TEST';

/** A message as `mosquitto_sub -v` prints it: topic, space, payload. */
interface Message {
  topic: string;
  payload: string;
}
const line = (m: Message): string => `${m.topic} ${m.payload}`;

/** The platform side: every message under the lab's topics (records, events, status), raw, in arrival order. */
async function collect(url: string): Promise<{ client: MqttClient; messages: Message[] }> {
  const messages: Message[] = [];
  const client = connect(url, { protocolVersion: 5, clientId: `platform-${process.pid}`, clean: true, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString('utf8') }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(`${BASE}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return { client, messages };
}

/** The records a message holds: an array on the records topic, one object on the events topic, none in a status. */
function recordsOf(m: Message): JournalRecord[] {
  const parsed = JSON.parse(m.payload) as unknown;
  if (Array.isArray(parsed)) return parsed as JournalRecord[];
  return typeof (parsed as { seq?: unknown }).seq === 'number' ? [parsed as JournalRecord] : [];
}
const seqsOf = (ms: readonly Message[]): number[] => ms.flatMap((m) => recordsOf(m).map((r) => r.seq));

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
  let platform: { client: MqttClient; messages: Message[] } | undefined;
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
    const messages = platform.messages;
    const records = (): Message[] => messages.filter((m) => m.topic === `${BASE}/records`);
    const env = { TRAVELGATE_DATA_DIR: dataDir, MQTT_URL: broker.url };

    const first = await startGatewayProcess(config, env);
    gateways.push(first);
    await waitFor('forwarded records', async () => (seqsOf(records()).length >= 150 ? true : undefined));
    await first.kill(); // the sink's cursor lags: the restarted gateway resends what it cannot prove delivered
    const second = await startGatewayProcess(config, env);
    gateways.push(second);
    const beforeRestart = Math.max(...seqsOf(records()));
    await waitFor('records forwarded after the restart', async () => (Math.max(...seqsOf(records())) > beforeRestart + 100 ? true : undefined));
    expect(await second.stop()).toBe(0); // final seal, forwarded during the sink's stop grace

    const journal = Journal.open({ path: join(dataDir, 'journal.sqlite'), gateway: 'tg-mqtt-verify', lab: 'TEST', clock: systemClock, commitIntervalMs: 0, log: silentLogger(), readonly: true });
    const last = journal.record(journal.lastSeq)!;
    await journal.close();
    expect(last.kind).toBe('seal');
    await waitFor('every record at the platform', async () => (new Set(seqsOf(records())).size === last.seq ? true : undefined));

    // The records topic carries arrays of consecutive records; the capture holds status messages too.
    expect(records().every((m) => m.payload.startsWith('['))).toBe(true);
    expect(records().some((m) => recordsOf(m).length > 1)).toBe(true);
    expect(messages.some((m) => m.topic === `${BASE}/status`)).toBe(true);
    expect(messages.some((m) => m.topic === `${BASE}/events`)).toBe(true); // gateway_started, also in an array

    const capture = join(dir, 'capture.ndjson');
    writeFileSync(capture, `${messages.map(line).join('\n')}\n`);
    const parsed = await parseNdjson(messages.map(line).join('\n'));
    expect(parsed.ok && parsed.skipped).toBe(messages.filter((m) => m.topic === `${BASE}/status`).length);
    const asCollected = await verify(capture, publicKey);
    expect(asCollected.stdout).toMatch(new RegExp(`^OK: ${last.seq} records, seq 1\\.\\.${last.seq},`));
    expect(asCollected.code).toBe(0);

    // Delivery order means nothing and QoS 1 delivers at least once: reversed, with repeats, payloads bare.
    writeFileSync(capture, `${[...messages].reverse().concat(messages.slice(0, 40)).map((m) => m.payload).join('\n')}\n`);
    const shuffled = await verify(capture, publicKey);
    expect(shuffled.code).toBe(0);
    expect(shuffled.stderr).toMatch(/identical duplicate\(s\) dropped: checked in seq order/);

    // Every copy of one acquisition lost on the way (taken out of its batch): completeness can no longer be proven.
    const batch = records().find((m) => recordsOf(m).length > 2 && recordsOf(m).some((r) => r.kind === 'acquisition' && r.seq > 20))!;
    const lost = recordsOf(batch).find((r) => r.kind === 'acquisition' && r.seq > 20)!.seq;
    const cut = messages.map((m) => {
      const inside = recordsOf(m);
      if (!inside.some((r) => r.seq === lost)) return m;
      return { ...m, payload: JSON.stringify(Array.isArray(JSON.parse(m.payload)) ? inside.filter((r) => r.seq !== lost) : []) };
    });
    writeFileSync(capture, `${cut.map(line).join('\n')}\n`);
    const missing = await verify(capture, publicKey);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(new RegExp(`^FAILED at seq ${lost}: record missing`));
  }, 90_000); // several processes start here, on a shared two-core machine
});
