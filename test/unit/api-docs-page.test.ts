import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway } from '../helpers/fake-view.js';

describe('GET /docs: the API reference page', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves a small page of its own that reads /docs/json, under the strict Content-Security-Policy', async () => {
    app = buildApi(new FakeGateway().view, silentLogger());
    const page = await app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).toContain('<script type="module" src="/ui/docs.js"></script>');
    const script = await app.inject('/ui/docs.js');
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain("fetch('/docs/json'");
    expect(Buffer.byteLength(script.body)).toBeLessThan(20_000); // not a Swagger UI bundle
  });
});
