import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { announceGeneratedTokens, apiSetup } from '../../src/api/setup.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { SecretSet } from '../../src/core/secrets.js';
import { FakeGateway } from '../helpers/fake-view.js';
import { testRegistry } from '../helpers/test-registry.js';

const BASE = 'gateway: { id: gw-1, lab: LAB, dataDir: /tmp/tg }\n';

function config(api: string, env: NodeJS.ProcessEnv = {}): Config {
  const r = parseConfig(`${BASE}api:\n${api}`, testRegistry, env);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.config;
}

describe('API exposure: CORS, TLS, error replies, generated tokens', () => {
  let app: FastifyInstance | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tg-tls-'));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends no CORS header unless origins are configured', async () => {
    app = buildApi(new FakeGateway().view, silentLogger());
    const res = await app.inject({ url: '/api/v1/status', headers: { origin: 'https://elsewhere.example' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await app.inject({ method: 'OPTIONS', url: '/api/v1/status', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the configured origins, preflights included', async () => {
    const { options } = apiSetup(config('  cors: { origins: [https://lims.lab.example] }\n'));
    app = buildApi(new FakeGateway().view, silentLogger(), options);
    const ok = await app.inject({ url: '/api/v1/status', headers: { origin: 'https://lims.lab.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://lims.lab.example');
    const pre = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/standards/z/transitions',
      headers: { origin: 'https://lims.lab.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-headers']).toContain('authorization');
    const other = await app.inject({ url: '/api/v1/status', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(() => config('  cors: { origins: ["not an origin"] }\n')).toThrow(/api\.cors\.origins\[0\]/);
  });

  it('serves HTTPS with the configured certificate and key', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const { options } = apiSetup(config(`  tls: { cert: ${cert}, key: ${key} }\n`));
    app = buildApi(new FakeGateway().view, silentLogger(), options);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    expect(url.startsWith('https://')).toBe(true);
    const body = await new Promise<string>((resolve, reject) => {
      request(`${url}/healthz`, { rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
    expect(() => apiSetup(config(`  tls: { cert: ${join(dir, 'missing.pem')}, key: ${key} }\n`))).toThrow(/api\.tls\.cert: cannot read/);
  });

  it('answers a failing route with "internal error" and scrubs secrets from 4xx messages', async () => {
    const secrets = SecretSet.fromConfig({ sinks: { influx: { password: 'hunter2-influx-password' } } });
    app = buildApi(new FakeGateway().view, silentLogger(), { secrets });
    app.register(async (s) => {
      s.get('/boom', async () => {
        throw new Error('connect to http://tg:hunter2-influx-password@influx:8086 failed');
      });
      s.get('/bad', async () => {
        throw Object.assign(new Error('bad password hunter2-influx-password'), { statusCode: 400 });
      });
    });
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: 'internal', message: 'internal error' });
    const bad = await app.inject('/bad');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain('hunter2');
    expect(bad.json().message).toBe('bad password [redacted]');
  });

  it('makes an empty operator token at start only when asked to, and shows it once, outside the log', () => {
    expect(() => config('  tokens: [{ name: operator, token: "${T:-}" }]\n')).toThrow(
      /api\.tokens\[0\]\.token: the token is empty \(is its environment variable set\?\)/,
    );
    const cfg = config('  tokens: [{ name: operator, token: "${T:-}" }]\n  generateOperatorToken: true\n');
    const secrets = SecretSet.fromConfig(cfg);
    const setup = apiSetup(cfg, secrets);
    expect(setup.generated).toHaveLength(1);
    const token = setup.generated[0]!.token;
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(setup.options.tokens).toEqual([{ name: 'operator', token, rights: ['read', 'operate'] }]);
    expect(secrets.scrub(`token=${token}`)).toBe('token=[redacted]');
    const shown: string[] = [];
    announceGeneratedTokens(setup.generated, 'http://127.0.0.1:8080', (t) => shown.push(t));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain(`operator: ${token}`);

    // A token given through the environment is used as it is, and nothing is generated.
    const given = apiSetup(config('  tokens: [{ name: operator, token: "${T:-}" }]\n  generateOperatorToken: true\n', { T: 'given-token-0123456789' }));
    expect(given.generated).toEqual([]);
    expect(given.options.tokens![0]!.token).toBe('given-token-0123456789');
  });
});
