/**
 * A third MQTT client publishes forged records on a lab's topic of a real mosquitto: an altered
 * record (wrong hash), a seal with a correct hash signed by a key the pilot does not know, a
 * different record for a seq already received, a well-hashed forgery for a seq not received yet,
 * and a stream of a gateway the pilot does not accept. Each is kept apart with its reason (and
 * logged as an alarm); the gateway's verified range never moves past them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';
import { canonicalRecord, digestOf, recordJson } from '../../src/integrity/canonical.js';
import { HashChain } from '../../src/integrity/chain.js';
import { sealRecord, writeKeyPair, loadPrivateKey } from '../../src/integrity/seal.js';
import { buildPilot, type Pilot } from '../../src/pilot/pilot.js';
import { waitFor } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { textWritable } from '../helpers/text-writable.js';
import { PILOT_TOKEN, pilotConfig } from './helpers/config.js';
import { StreamGen, type Made } from './helpers/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-forgery-'));
const TOPIC = 'travelgate/CMP-1/PTB/records';
const T0 = Date.parse('2026-04-01T00:00:00Z');
let broker: MosquittoServer;
let receiver: Pilot;
let lab: MqttClient;
let forger: MqttClient;
const logged = textWritable();

const publish = (client: MqttClient, payload: string) => client.publishAsync(TOPIC, payload, { qos: 1 });
const array = (made: readonly Made[]) => `[${made.map((m) => m.json).join(',')}]`;
type GatewayJson = { verifiedThrough: number; records: number; missing: { first: number; last: number }[]; rejected: { count: number; byReason: Record<string, number> } };
async function gateway(): Promise<GatewayJson> {
  const res = await fetch(`${receiver.url}/api/v1/comparison/gateways`, { headers: { authorization: `Bearer ${PILOT_TOKEN}` } });
  return ((await res.json()) as { gateways: GatewayJson[] }).gateways[0]!;
}
async function rejected(): Promise<{ seq: number; code: string; reason: string }[]> {
  const res = await fetch(`${receiver.url}/api/v1/comparison/rejected`, { headers: { authorization: `Bearer ${PILOT_TOKEN}` } });
  return ((await res.json()) as { rejected: { seq: number; code: string; reason: string }[] }).rejected;
}

function reHashed(r: JournalRecord, change: (copy: Record<string, unknown>) => void): string {
  const copy = structuredClone(r) as unknown as Record<string, unknown>;
  change(copy);
  delete copy.hash;
  const body = canonicalRecord(copy as unknown as JournalRecord);
  return recordJson(body, digestOf(body).toString('hex'));
}

beforeAll(async () => {
  broker = await startMosquitto();
  const key = writeKeyPair(join(dir, 'ptb.key'));
  const config = pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'pilot'), clientId: 'pilot-forgery', gateways: [{ id: 'tg-ptb-1', lab: 'PTB', publicKey: key.publicKeyFile }] });
  receiver = buildPilot(config, { log: createLogger({ level: 'warn', destination: logged, format: 'json' }) });
  await receiver.start();
  lab = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'tg-ptb-1' });
  forger = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'someone-else' });
}, 60_000);

afterAll(async () => {
  await lab?.endAsync();
  await forger?.endAsync();
  await receiver?.stop();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('forged records on a lab topic', () => {
  it('are kept apart with their reason and never move the verified range past them', async () => {
    const gen = new StreamGen('tg-ptb-1', 'PTB', loadPrivateKey(join(dir, 'ptb.key')));
    const first = gen.run(10, T0, 10); // seq 1..11, sealed
    await publish(lab, array(first));
    await waitFor('the first records verified', async () => ((await gateway()).verifiedThrough === 11 ? true : undefined));

    const next = gen.run(10, T0 + 60_000, 10); // seq 12..22, not published yet
    const altered = JSON.parse(next[0]!.json) as { channels: { dcv: { value: number } } };
    altered.channels.dcv.value = 10.1; // content changed, hash kept
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const fakeSeal = new HashChain(first[first.length - 1]!.record.hash).link(
      sealRecord({ seq: 12, time: T0 + 30_000, gateway: 'tg-ptb-1', lab: 'PTB', head: first[first.length - 1]!.record, privateKey: stranger }) as never,
    );
    // A gateway the pilot does not accept, with its own key and a chain of its own.
    const stranger2 = new StreamGen('tg-evil-1', 'PTB', generateKeyPairSync('ed25519').privateKey);
    await publish(forger, array(stranger2.run(1, T0, 1)));
    await publish(forger, JSON.stringify([altered]));
    await publish(forger, `[${recordJson(fakeSeal.body, fakeSeal.record.hash)}]`);
    await publish(forger, `[${reHashed(first[4]!.record, (c) => ((c.channels as { dcv: { value: number } }).dcv.value = 10.2))}]`);
    // A well-hashed forgery of seq 12 that links to seq 11, before the lab's own record 12.
    await publish(forger, `[${reHashed(next[0]!.record, (c) => ((c.channels as { dcv: { value: number } }).dcv.value = 10.3))}]`);
    const reasons = await waitFor('five records kept apart', async () => {
      const r = await rejected();
      return r.length === 5 ? r : undefined;
    });
    expect(reasons.map((r) => `${r.seq} ${r.code}`).sort()).toEqual(['1 unknown_gateway', '12 unknown_key', '12 wrong_hash', '2 unknown_gateway', '5 conflict']);
    expect(reasons.find((r) => r.code === 'unknown_gateway')!.reason).toMatch(/gateway "tg-evil-1" is not one this comparison accepts/);
    expect(reasons.find((r) => r.code === 'wrong_hash')!.reason).toMatch(/hash does not match its content/);
    expect(reasons.find((r) => r.code === 'unknown_key')!.reason).toMatch(/not a key of gateway "tg-ptb-1"/);
    expect((await gateway()).verifiedThrough).toBe(11);

    // The lab's records after 12 and their seal arrive, its record 12 is delayed: the forgery of 12
    // is shown not to be on the sealed chain and kept apart; the range stops before the hole.
    await publish(lab, array(next.slice(1)));
    const held = await waitFor('the forgery of seq 12 kept apart', async () => {
      const g = await gateway();
      return g.rejected.byReason.broken_link === 1 ? g : undefined;
    });
    expect(held).toMatchObject({ verifiedThrough: 11, missing: [{ first: 12, last: 12 }], rejected: { count: 4 } });
    await publish(lab, array([next[0]!]));
    const done = await waitFor('every real record verified', async () => {
      const g = await gateway();
      return g.verifiedThrough === 22 ? g : undefined;
    });
    expect(done).toMatchObject({ records: 22, missing: [], rejected: { count: 4, byReason: { wrong_hash: 1, unknown_key: 1, conflict: 1, broken_link: 1 } } });
    // Each was raised as an alarm in the receiver's log, with gateway, seq and reason.
    const alarms = logged.text
      .split('\n')
      .filter((l) => l.includes('"alarm":"record_rejected"'))
      .map((l) => JSON.parse(l) as { level: number; gateway: string; seq: number; code: string });
    expect(alarms.every((a) => a.level === 40)).toBe(true);
    expect(alarms.map((a) => `${a.gateway} ${a.seq} ${a.code}`).sort()).toEqual(
      ['tg-evil-1 1 unknown_gateway', 'tg-evil-1 2 unknown_gateway', 'tg-ptb-1 12 wrong_hash', 'tg-ptb-1 12 unknown_key', 'tg-ptb-1 5 conflict', 'tg-ptb-1 12 broken_link'].sort(),
    );
  });
});
