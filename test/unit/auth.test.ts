import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Authorizer, callerOf } from '../../src/api/auth.js';

const OPERATOR = 'op-token-0123456789abcdef';
const READER = 'read-token-0123456789abcdef';

function appWith(requireTokenForReads: boolean): FastifyInstance {
  const auth = new Authorizer(
    [
      { name: 'operator', token: OPERATOR, rights: ['read', 'operate'] },
      { name: 'viewer', token: READER, rights: ['read'] },
    ],
    requireTokenForReads,
  );
  const app = Fastify();
  app.get('/read', { preHandler: auth.require('read') }, async () => ({ ok: true }));
  app.post('/act', { preHandler: auth.require('operate') }, async (req) => ({ by: callerOf(req)?.name }));
  return app;
}

describe('bearer-token authorisation', () => {
  let app: FastifyInstance;
  afterEach(async () => app.close());

  it('answers 401 without a token and 401 with an unknown one, never echoing it', async () => {
    app = appWith(false);
    const none = await app.inject({ method: 'POST', url: '/act' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await app.inject({ method: 'POST', url: '/act', headers: { authorization: 'Bearer not-a-real-token-xyz' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('not-a-real-token-xyz');
  });

  it('answers 403 for a token without the right, and admits the right one by name', async () => {
    app = appWith(false);
    const reader = await app.inject({ method: 'POST', url: '/act', headers: { authorization: `Bearer ${READER}` } });
    expect(reader.statusCode).toBe(403);
    const op = await app.inject({ method: 'POST', url: '/act', headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(op.statusCode).toBe(200);
    expect(op.json()).toEqual({ by: 'operator' });
  });

  it('lets reads through without a token unless the configuration requires one', async () => {
    app = appWith(false);
    expect((await app.inject('/read')).statusCode).toBe(200);
    await app.close();
    app = appWith(true);
    expect((await app.inject('/read')).statusCode).toBe(401);
    expect((await app.inject({ url: '/read', headers: { authorization: `Bearer ${READER}` } })).statusCode).toBe(200);
  });
});
