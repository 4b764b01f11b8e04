/**
 * The status API under hostile clients (issue 12, defects 4 and 5): event streams are capped and
 * a stream's memory goes with it (stalled or not); the Host header is checked against the names
 * the API is reached by (DNS rebinding); an operator route checks the token before it reads the
 * body.
 */
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, type ApiOptions } from '../../src/api/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway, readingRecord } from '../helpers/fake-view.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

const OPERATOR = 'op-token-0123456789abcdef';
let app: FastifyInstance | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app?.close();
  app = undefined;
});

async function start(gw: FakeGateway, options: ApiOptions): Promise<string> {
  app = buildApi(gw.view, silentLogger(), options);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** Resolves once the route reports `n` open streams. */
function streamsReach(counts: number[], waiters: Set<() => void>, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (counts.at(-1) === n) {
        waiters.delete(check);
        resolve();
      }
    };
    waiters.add(check);
    check();
  });
}

describe('event streams are capped and released', () => {
  it('one stream more than api.maxEventStreams gets 503; a closed stream frees its place', async () => {
    const gw = new FakeGateway();
    const counts: number[] = [0];
    const waiters = new Set<() => void>();
    const base = await start(gw, {
      events: {
        maxClients: 2,
        onStreams: (n) => {
          counts.push(n);
          for (const w of [...waiters]) w();
        },
      },
    });
    const a = await openSse(`${base}/api/v1/events`);
    const b = await openSse(`${base}/api/v1/events`);
    clients.push(a, b);
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await openSse(`${base}/api/v1/events`);
    clients.push(c);
    expect(c.status).toBe(503);

    a.close();
    await streamsReach(counts, waiters, 1);
    const d = await openSse(`${base}/api/v1/events`);
    clients.push(d);
    expect(d.status).toBe(200);
    gw.commit([readingRecord(1)]);
    await d.waitFor('the record', (e) => e.some((x) => x.id === '1'));
  });

  it('a client that stops reading is cut off when its buffer fills, and everything it held is let go', async () => {
    const gw = new FakeGateway();
    const counts: number[] = [0];
    const waiters = new Set<() => void>();
    const base = await start(gw, {
      events: {
        maxClients: 4,
        maxBuffered: 50,
        onStreams: (n) => {
          counts.push(n);
          for (const w of [...waiters]) w();
        },
      },
    });
    // A raw client that sends its request and never reads a byte.
    const { port } = new URL(base);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.on('error', () => undefined);
    stalled.pause();
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    await streamsReach(counts, waiters, 1);
    // Commit until its socket and then its subscriber buffer are full: the server gives up on it.
    let seq = 0;
    while (counts.at(-1) !== 0) {
      gw.commit(Array.from({ length: 200 }, () => readingRecord(++seq, { extra: { pad: 'p'.repeat(2000) } })));
      await new Promise((r) => setImmediate(r));
      if (seq > 200_000) throw new Error('the stalled stream was never released');
    }
    stalled.destroy();
    // Its place is free again.
    const fresh = await openSse(`${base}/api/v1/events`);
    clients.push(fresh);
    expect(fresh.status).toBe(200);
  });
});

describe('Host header', () => {
  it('refuses a host name the API is not reached by (DNS rebinding); loopback and configured names pass', async () => {
    app = buildApi(new FakeGateway().view, silentLogger(), { hostNames: ['lab-box.example.org'], bindHost: '0.0.0.0' });
    const get = (host: string, url = '/api/v1/status') => app!.inject({ method: 'GET', url, headers: { host } });
    expect((await get('evil.example.com')).statusCode).toBe(403);
    expect((await get('evil.example.com:8080')).json()).toMatchObject({ error: 'forbidden_host' });
    expect((await get('127.0.0.1:8080')).statusCode).toBe(200);
    expect((await get('localhost')).statusCode).toBe(200);
    expect((await get('[::1]:8080')).statusCode).toBe(200);
    expect((await get('LAB-BOX.example.org:8080')).statusCode).toBe(200);
    // The health probes answer whatever the Host (they carry nothing).
    expect((await get('10.1.2.3:8080', '/healthz')).statusCode).toBe(200);
  });

  it('by default only loopback names and the bound address pass; "*" turns the check off', async () => {
    app = buildApi(new FakeGateway().view, silentLogger(), { bindHost: '192.0.2.7' });
    expect((await app.inject({ url: '/api/v1/status', headers: { host: 'attacker.test' } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/v1/status', headers: { host: '192.0.2.7:8080' } })).statusCode).toBe(200);
    await app.close();
    app = buildApi(new FakeGateway().view, silentLogger(), { hostNames: ['*'] });
    expect((await app.inject({ url: '/api/v1/status', headers: { host: 'anything.test' } })).statusCode).toBe(200);
  });
});

describe('operator routes check the token before the body', () => {
  it('no token: 401, whatever the body (never a parse error that would answer first)', async () => {
    app = buildApi(new FakeGateway().view, silentLogger(), { tokens: [{ name: 'operator', token: OPERATOR, rights: ['read', 'operate'] }] });
    const broken = await app.inject({
      method: 'POST',
      url: '/api/v1/standards/z-1/transitions',
      headers: { 'content-type': 'application/json' },
      payload: '{"to": "measuring", oops',
    });
    expect(broken.statusCode).toBe(401);
    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/standards/z-1/alarms/resolve',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ note: 'n'.repeat(500_000) }),
    });
    expect(big.statusCode).toBe(401);
    // With the token the same broken body is the client's error.
    const withToken = await app.inject({
      method: 'POST',
      url: '/api/v1/standards/z-1/transitions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
      payload: '{"to": "measuring", oops',
    });
    expect(withToken.statusCode).toBe(400);
  });
});
