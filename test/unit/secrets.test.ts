import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';

// Secrets as a lab would give them: tokens and sink passwords through the environment, and a
// password inside a broker URL. Both sinks point at closed ports, so they fail and log errors.
const SECRETS = {
  TG_OPERATOR_TOKEN: 'op-Token-7f3a9c1e5b2d4f60',
  TG_VIEWER_TOKEN: 'viewer-Token-0c4e6a8b9d1f',
  TG_INFLUX_PASSWORD: 'influx-Pw-S3cr3t-4471',
  TG_MQTT_PASSWORD: 'mqtt-Pw-Z9y8x7w6-2210',
  TG_MQTT_URL_PASSWORD: 'urlPw-Qq1Ww2Ee3',
};

const CONFIG = `
gateway: { id: gw-secrets, lab: LAB, comparison: TEST.K1, dataDir: "\${TRAVELGATE_DATA_DIR}" }
api:
  host: 127.0.0.1
  port: "\${TRAVELGATE_API_PORT}"
  requireTokenForReads: true
  tokens:
    - { name: operator, token: "\${TG_OPERATOR_TOKEN}", rights: [read, operate] }
    - { name: viewer, token: "\${TG_VIEWER_TOKEN}", rights: [read] }
log: { level: debug }
sinks:
  influx: { url: "http://127.0.0.1:9", username: tg, password: "\${TG_INFLUX_PASSWORD}", retry: { initial: 50ms, max: 200ms } }
  mqtt: { url: "mqtt://tg:\${TG_MQTT_URL_PASSWORD}@127.0.0.1:9", username: tg, password: "\${TG_MQTT_PASSWORD}", connectTimeout: 500ms, retry: { initial: 50ms, max: 200ms } }
simulators:
  - { id: dmm-sim, kind: scpi-dmm, listen: { tcp: { host: 127.0.0.1, port: 0 } } }
links:
  - { id: dmm-lan, type: tcp, simulator: dmm-sim }
devices:
  - { id: dmm-1, driver: scpi, link: dmm-lan, interval: 200ms, options: { preset: keysight-34465a } }
`;

describe('secrets from the configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-secrets-'));
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, CONFIG);
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appear in no log line, no API reply and no error message', async () => {
    gw = await startGatewayProcess(configFile, { TRAVELGATE_DATA_DIR: dir, ...SECRETS });
    const auth = { authorization: `Bearer ${SECRETS.TG_VIEWER_TOKEN}` };
    const op = { authorization: `Bearer ${SECRETS.TG_OPERATOR_TOKEN}` };
    const replies: string[] = [];
    const get = async (path: string, headers: Record<string, string> = auth) => {
      const res = await fetch(`${gw!.url}${path}`, { headers });
      const text = await res.text();
      replies.push(`${path} ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
      return { status: res.status, text };
    };

    // Both sinks have tried and failed (their errors are in the log and in the status).
    const status = await waitFor('both sinks to report an error', async () => {
      const s = JSON.parse((await get('/api/v1/status')).text) as { sinks?: { name: string; lastError: string | null }[] };
      return s.sinks?.length === 2 && s.sinks.every((x) => x.lastError) ? s : undefined;
    }, 20_000);
    expect(status.sinks!.map((s) => s.name).sort()).toEqual(['influx', 'mqtt']);

    // Refusals and bad requests, with and without the real tokens around.
    expect((await get('/api/v1/status', {})).status).toBe(401);
    expect((await get('/api/v1/status', { authorization: `Bearer ${SECRETS.TG_OPERATOR_TOKEN}x` })).status).toBe(401);
    expect((await get('/api/v1/readings?limit=nope')).status).toBe(400);
    const post = await fetch(`${gw.url}/api/v1/standards/none/transitions`, {
      method: 'POST',
      headers: { ...op, 'content-type': 'application/json' },
      body: `{"to": "${SECRETS.TG_OPERATOR_TOKEN}"`, // malformed JSON carrying a secret
    });
    replies.push(await post.text());
    expect(post.status).toBe(400);
    const post2 = await fetch(`${gw.url}/api/v1/standards/none/transitions`, {
      method: 'POST',
      headers: { ...op, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'in_transit', note: 'x' }),
    });
    replies.push(await post2.text());
    for (const path of ['/metrics', '/api/v1/timeline?limit=100', '/docs/json', '/api/v1/dashboard', '/']) await get(path);

    expect(await gw.stop()).toBe(0);
    const log = gw.output.join('\n');
    expect(log).toContain('"level"'); // pino lines were captured
    expect(log).toMatch(/ECONNREFUSED|connect/i); // and the sinks' connection errors among them

    // Invalid configurations are reported without echoing the values around them.
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, CONFIG.replace('${TG_OPERATOR_TOKEN}', '${TG_SHORT_TOKEN}').replace('"http://127.0.0.1:9"', '"http://tg:${TG_INFLUX_PASSWORD}@bad host:9"'));
    let checkOutput = '';
    try {
      execFileSync(process.execPath, ['bin/travelgate', 'check-config', '--config', bad], {
        env: { ...process.env, ...SECRETS, TG_SHORT_TOKEN: 'shortSecret9', TRAVELGATE_DATA_DIR: dir, TRAVELGATE_API_PORT: '0' },
        stdio: 'pipe',
      });
    } catch (err) {
      const e = err as { stdout: Buffer; stderr: Buffer; status: number };
      expect(e.status).toBe(2);
      checkOutput = `${e.stdout}${e.stderr}`;
    }
    expect(checkOutput).toContain('api.tokens[0].token');

    const everything = [log, ...replies, checkOutput].join('\n');
    for (const [name, secret] of Object.entries({ ...SECRETS, TG_SHORT_TOKEN: 'shortSecret9' })) {
      expect(everything.includes(secret), `${name} leaked`).toBe(false);
    }
  }, 60_000);
});
