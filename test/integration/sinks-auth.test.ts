/**
 * The sinks against servers with authentication on (issue 12, defect 6): InfluxDB with
 * `auth-enabled` and a user of its own; Mosquitto with a password file and a TLS listener that
 * requires client certificates (made with openssl by the server helper). The sinks are made from
 * their configuration section, as the gateway makes them. Right credentials deliver every record;
 * wrong ones retry without losing anything and say why in the sink's status; once the
 * configuration is put right, a new start delivers everything from the cursor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';
import { sinksConfig } from '../../src/sinks/config.js';
import { createSinkRunners, type SinkRunner } from '../../src/sinks/index.js';
import { startSubscriber, type Subscriber } from '../helpers/mqtt-subscriber.js';
import { startInfluxd, type InfluxServer } from '../helpers/servers/influxdb.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-sinks-auth-'));
const GATEWAY = { id: 'gw-auth', lab: 'LAB', comparison: 'K-AUTH' };
const N = 300;

let influx: InfluxServer;
let mosquitto: MosquittoServer;
beforeAll(async () => {
  [influx, mosquitto] = await Promise.all([
    startInfluxd({ auth: { user: 'admin', password: 'admin-secret-1' } }),
    startMosquitto({ secure: { users: { 'lab-ptb': 'mqtt-secret-1' } } }),
  ]);
  // The gateway's own InfluxDB user: writes to its database, nothing else.
  await influx.query('', 'CREATE DATABASE travelgate_auth');
  await influx.query('', `CREATE USER "tg" WITH PASSWORD 'tg-secret-1'`);
  await influx.query('', 'GRANT WRITE ON "travelgate_auth" TO "tg"');
}, 60_000);

afterAll(async () => {
  await Promise.all([influx?.close(), mosquitto?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

let journals = 0;
async function journalWith(n: number): Promise<Journal> {
  const j = Journal.open({ path: join(dir, `j${++journals}.sqlite`), gateway: GATEWAY.id, lab: GATEWAY.lab, clock: systemClock, commitIntervalMs: 2, log: silentLogger() });
  await Promise.all(Array.from({ length: n }, (_, i) => j.appendAcquisition({ device: 'dmm', time: Date.now(), clock: 'yes', channels: { dcv: { quantity: 'voltage', value: 10 + i * 1e-6, unit: 'V' } } })));
  return j;
}

function runners(j: Journal, sinks: unknown): SinkRunner[] {
  const made = createSinkRunners(sinksConfig.parse(sinks), GATEWAY, { journal: j, clock: systemClock, log: silentLogger() });
  for (const r of made) r.start();
  return made;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const retry = { initial: '20ms', max: '200ms' };

/** Waits until the sink confirmed `n` records and the subscriber holds `n` seqs, then stops all three. */
async function deliveredAllThenClose(sink: SinkRunner, sub: Subscriber, j: Journal, n: number): Promise<void> {
  await until('every record delivered', () => sink.status().cursor === n);
  await until('the subscriber to hold every seq', () => sub.records.size >= n);
  await sink.stop();
  await sub.close();
  await j.close();
}

async function influxSeqs(): Promise<number> {
  const series = await influx.query('travelgate_auth', 'SELECT count(seq) FROM readings');
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

describe('InfluxDB with authentication', () => {
  it('a wrong password retries and says why; the right one then delivers every record from the cursor', async () => {
    const j = await journalWith(N);
    const influxSection = (password: string) => ({ influx: { url: influx.url, database: 'travelgate_auth', username: 'tg', password, createDatabase: false, retry } });
    const [wrong] = runners(j, influxSection('not-the-password'));
    await until('the sink to retry', () => wrong!.status().state === 'retrying' && wrong!.status().lastError !== null);
    const status = wrong!.status();
    expect(status.lastError).toMatch(/401|authorization failed/i);
    expect(status.lastError).not.toContain('not-the-password');
    expect(status.cursor).toBe(0);
    await wrong!.stop();
    expect(j.cursor('influx')).toBe(0); // nothing counted as delivered

    const [right] = runners(j, influxSection('tg-secret-1'));
    await until('every record delivered', () => right!.status().cursor === N);
    expect(right!.status().lastError).toBeNull();
    expect(await influxSeqs()).toBe(N);
    await right!.stop();
    await j.close();
  }, 120_000);

  it('no credentials at all: 401, retried, nothing lost', async () => {
    const j = await journalWith(10);
    const [anon] = runners(j, { influx: { url: influx.url, database: 'travelgate_auth', createDatabase: false, retry } });
    await until('the sink to retry', () => anon!.status().state === 'retrying');
    expect(anon!.status().lastError).toMatch(/401|unable to parse authentication credentials|authorization/i);
    await anon!.stop();
    expect(j.cursor('influx')).toBe(0);
    await j.close();
  }, 60_000);
});

describe('Mosquitto with a password file and TLS client certificates', () => {
  const tls = () => mosquitto.tls!;
  const mqttSection = (over: Record<string, unknown>) => ({
    mqtt: { url: tls().url, clientId: `tg-auth-${journals}`, username: 'lab-ptb', password: 'mqtt-secret-1', ca: tls().ca, cert: tls().cert, key: tls().key, retry, ...over },
  });

  it('right credentials and certificate deliver every record; the platform receives each seq', async () => {
    const sub = await startSubscriber(mosquitto.url, 'travelgate/K-AUTH/LAB/records');
    const j = await journalWith(N);
    const [sink] = runners(j, mqttSection({}));
    await until('every record delivered', () => sink!.status().cursor === N);
    await until('the subscriber to hold every seq', () => sub.records.size >= N);
    expect([...sub.records.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    await sink!.stop();
    await sub.close();
    await j.close();
  }, 120_000);

  it('the user name and password may come in the URL (mqtts://user:password@host:port)', async () => {
    const sub = await startSubscriber(mosquitto.url, 'travelgate/K-AUTH/LAB/records');
    const j = await journalWith(20);
    const url = new URL(tls().url);
    url.username = 'lab-ptb';
    url.password = 'mqtt-secret-1';
    const section = mqttSection({ url: url.href });
    const m = section.mqtt as Record<string, unknown>;
    delete m.username;
    delete m.password;
    const [sink] = runners(j, section);
    await deliveredAllThenClose(sink!, sub, j, 20);
  }, 120_000);

  it.each([
    ['a wrong password', { password: 'not-the-password' }, /Not authorized|Bad User Name or Password/i],
    ['no client certificate', { cert: undefined, key: undefined }, /certificate required/i],
    ['a client certificate from a CA the broker does not trust', { cert: 'OTHER_CERT', key: 'OTHER_KEY' }, /unknown ca/i],
    ['a broker certificate from a CA the gateway does not trust', { ca: 'OTHER_CA' }, /self[- ]signed|unable to (get|verify)/i],
  ])('%s: the sink retries, says why, loses nothing; put right, it delivers everything', async (_, over, why) => {
    const j = await journalWith(50);
    const section = mqttSection(over as Record<string, unknown>);
    const m = section.mqtt as Record<string, unknown>;
    if (m.cert === 'OTHER_CERT') Object.assign(m, { cert: tls().otherCert, key: tls().otherKey });
    if (m.ca === 'OTHER_CA') m.ca = tls().otherCa;
    for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
    const [bad] = runners(j, section);
    await until('the sink to retry', () => bad!.status().state === 'retrying' && bad!.status().lastError !== null);
    expect(bad!.status().lastError).toMatch(why);
    expect(bad!.status().lastError).not.toContain('not-the-password');
    expect(bad!.status().cursor).toBe(0);
    await bad!.stop();
    expect(j.cursor('mqtt')).toBe(0);

    const sub = await startSubscriber(mosquitto.url, 'travelgate/K-AUTH/LAB/records');
    const [good] = runners(j, mqttSection({}));
    await deliveredAllThenClose(good!, sub, j, 50);
  }, 120_000);
});
