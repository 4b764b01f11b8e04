/**
 * A real gateway process forwarding to a real influxd and a real mosquitto, killed with SIGKILL
 * while both sinks lag behind (both servers down), then restarted: everything arrives, counted by
 * seq at an independent MQTT subscriber and in InfluxDB. Passwords never reach its output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';
import type { SinkStatus } from '../../src/sinks/index.js';
import { simulatedDmmsYaml } from '../helpers/gateway-config.js';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';
import { startSubscriber, type Subscriber } from '../helpers/mqtt-subscriber.js';
import { startInfluxd, type InfluxServer } from '../helpers/servers/influxdb.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';

const INFLUX_PASSWORD = 'influx-pw-Zq81xN';
const MQTT_PASSWORD = 'mqtt-pw-Hy77kL';

const CONFIG = `
gateway: { id: tg-sinks, lab: TEST, comparison: SINK-K1, dataDir: "\${TRAVELGATE_DATA_DIR}" }
api: { port: "\${TRAVELGATE_API_PORT}" }
log: { level: debug }
journal: { commitInterval: 5ms }
${simulatedDmmsYaml(1, '10ms')}sinks:
  influx:
    url: "\${TG_TEST_INFLUX_URL}"
    database: killtest
    username: travelgate
    password: "\${TG_TEST_INFLUX_PASSWORD}"
    flushInterval: 200ms
    retry: { initial: 100ms, max: 1s }
  mqtt:
    url: "\${TG_TEST_MQTT_URL}"
    clientId: tg-sinks-kill
    username: travelgate
    password: "\${TG_TEST_MQTT_PASSWORD}"
    retry: { initial: 100ms, max: 1s }
`;

interface Status {
  journal: { lastSeq: number } | null;
  sinks: SinkStatus[];
}

async function status(url: string): Promise<Status> {
  return (await (await fetch(`${url}/api/v1/status`)).json()) as Status;
}

const sink = (s: Status, name: string) => s.sinks.find((x) => x.name === name)!;

describe('a gateway killed while both sinks lag behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-sinks-kill-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, CONFIG);
  let influx: InfluxServer | undefined;
  let broker: MosquittoServer | undefined;
  let platform: Subscriber | undefined;
  const gateways: GatewayProcess[] = [];

  afterAll(async () => {
    for (const g of gateways) await g.kill();
    await platform?.close();
    await influx?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts and delivers everything to InfluxDB and to the platform, each seq once', async () => {
    [influx, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
    platform = await startSubscriber(broker.url, 'travelgate/SINK-K1/TEST/records');
    await broker.savedSince(Date.now()); // the platform's session survives the broker's SIGKILL
    const env = {
      TRAVELGATE_DATA_DIR: join(dir, 'data'),
      TG_TEST_INFLUX_URL: influx.url,
      TG_TEST_MQTT_URL: broker.url,
      TG_TEST_INFLUX_PASSWORD: INFLUX_PASSWORD,
      TG_TEST_MQTT_PASSWORD: MQTT_PASSWORD,
    };

    const first = await startGatewayProcess(config, env);
    gateways.push(first);
    await waitFor('both sinks delivering', async () => {
      const s = await status(first.url);
      return sink(s, 'influx').delivered > 20 && sink(s, 'mqtt').delivered > 20 ? true : undefined;
    });
    await Promise.all([influx.stop(), broker.kill()]);
    const lagging = await waitFor('both sinks behind', async () => {
      const s = await status(first.url);
      return sink(s, 'influx').pending > 100 && sink(s, 'mqtt').pending > 100 ? s : undefined;
    });
    expect(sink(lagging, 'influx').state).toBe('retrying');
    expect(sink(lagging, 'mqtt').lastError).not.toBeNull();
    await first.kill(); // SIGKILL: cursors as last persisted, records as last committed

    await Promise.all([influx.start(), broker.start()]);
    const second = await startGatewayProcess(config, env);
    gateways.push(second);
    const target = await waitFor('records of the second run', async () => {
      const seq = (await status(second.url)).journal?.lastSeq ?? 0;
      return seq > lagging.journal!.lastSeq + 20 ? seq : undefined;
    });
    await waitFor(
      'both sinks past the records of both runs',
      async () => {
        const s = await status(second.url);
        return sink(s, 'influx').cursor >= target && sink(s, 'mqtt').cursor >= target ? true : undefined;
      },
      60_000,
    );
    const final = await status(second.url);
    expect(await second.stop()).toBe(0);

    await platform.waitForAll(target);
    expect(platform.malformed).toEqual([]);
    expect(platform.conflicting).toEqual([]);

    const series = await influx.query('killtest', `SELECT seq FROM readings, events, seals WHERE seq <= ${target}`);
    const counts = new Map<number, number>();
    for (const s of series) for (const v of s.values) counts.set(v[s.columns.indexOf('seq')] as number, (counts.get(v[s.columns.indexOf('seq')] as number) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: target }, (_, i) => i + 1));
    expect([...counts.values()].every((c) => c === 1)).toBe(true);

    // What arrived is what the journal holds.
    const journal = Journal.open({ path: join(env.TRAVELGATE_DATA_DIR, 'journal.sqlite'), gateway: 'tg-sinks', lab: 'TEST', clock: systemClock, commitIntervalMs: 5, log: silentLogger(), readonly: true });
    try {
      for (const r of journal.range(1, target)) expect(platform.records.get(r.seq)!.hash).toBe(r.hash);
    } finally {
      await journal.close();
    }

    // Secrets never reach the logs or the status API.
    const everything = [...first.output, ...second.output, JSON.stringify(final), JSON.stringify(lagging)].join('\n');
    expect(everything).not.toContain(INFLUX_PASSWORD);
    expect(everything).not.toContain(MQTT_PASSWORD);
    expect(second.output.some((l) => l.includes('connected to the MQTT broker'))).toBe(true);
  }, 120_000);
});
