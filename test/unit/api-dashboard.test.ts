import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { dashboardLayout, findWebRoot } from '../../src/api/dashboard.js';
import { buildApi } from '../../src/api/server.js';
import { parseStandard } from '../../src/checks/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway } from '../helpers/fake-view.js';

describe('the status page (GET / and /ui/)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves the page with a strict content security policy, and every file it references', async () => {
    app = buildApi(new FakeGateway().view, silentLogger());
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    // Follow the page: its links and scripts, then the module graph of its scripts.
    const seen = new Set<string>();
    const queue = [...page.body.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]!).filter((u) => u.startsWith('/ui/'));
    expect(queue).toContain('/ui/app.js');
    expect(queue).toContain('/ui/vendor/uPlot.min.css');
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      if (url.endsWith('.js')) {
        expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
        for (const m of res.body.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) {
          const spec = m[1]!;
          queue.push(spec.startsWith('/') ? spec : new URL(spec, `http://x${url}`).pathname);
        }
      }
    }
    expect(seen).toContain('/ui/vendor/uPlot.esm.js'); // the chart library, from the installed package
    expect(seen).toContain('/ui/charts.js');
  });

  it('needs nothing from the internet: no file of the pages (gateway and pilot) names another host', () => {
    const root = findWebRoot();
    const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const name = join(file.parentPath, file.name);
      // (an SVG namespace is a name, not something fetched)
      const text = readFileSync(name, 'utf8').replace(/xmlns="[^"]*"/g, '');
      expect(text.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//gi), name).toBeNull();
    }
  });

  it('serves only the files of the page: anything else is 404', async () => {
    app = buildApi(new FakeGateway().view, silentLogger());
    for (const url of ['/ui/nope.js', '/ui/..%2Fpackage.json', '/ui/%2e%2e%2fpackage.json', '/ui/vendor/uPlot.cjs.js', '/ui/vendor/..%2F..%2Fpackage.json']) {
      expect((await app.inject(url)).statusCode, url).toBe(404);
    }
  });

  it("tells the page which channels to plot and the protocol's environment window", async () => {
    const standard = parseStandard({
      id: 'z-1',
      nominal: 10,
      measurand: { device: 'dmm-1', channel: 'dcv' },
      thermistor: { device: 'dmm-1', channel: 'thermistor' },
      environment: {
        temperature: { device: 'ptu-1', channel: 'temperature' },
        pressure: { device: 'ptu-1', channel: 'pressure' },
        window: { temperature: { min: 22, max: 24 } },
      },
    });
    app = buildApi(new FakeGateway().view, silentLogger(), { dashboard: () => dashboardLayout([standard]) });
    const layout = (await app.inject('/api/v1/dashboard')).json();
    expect(layout).toEqual({
      standards: [
        {
          id: 'z-1',
          quantity: 'voltage',
          unit: 'V',
          nominal: 10,
          measurand: { device: 'dmm-1', channel: 'dcv' },
          thermistor: { device: 'dmm-1', channel: 'thermistor' },
          environment: {
            temperature: { device: 'ptu-1', channel: 'temperature' },
            pressure: { device: 'ptu-1', channel: 'pressure' },
            window: { temperature: { min: 22, max: 24 } },
          },
        },
      ],
    });
  });
});
