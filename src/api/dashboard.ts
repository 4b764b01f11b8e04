/**
 * The status page: GET / and its files under /ui/, plus GET /api/v1/dashboard (which channels the
 * page plots for each standard, and the protocol's environment window it shades).
 *
 * Contract:
 * - Everything the page needs is served by the gateway: its own files from `web/` (plain HTML,
 *   CSS and JavaScript modules, no build step) and uPlot from the installed `uplot` package. No
 *   CDN, no web font: the page works on an edge box without internet access.
 * - Only files that exist in `web/` when the API starts are served, looked up by exact name (no
 *   path is ever joined from the request), so nothing outside `web/` can be read.
 * - The page is public like the other reads; it asks for a token itself when reads need one, and
 *   for operator actions. A strict Content-Security-Policy allows only this origin.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { StandardConfig } from '../checks/config.js';
import type { Authorizer } from './auth.js';

const channelRef = z.object({ device: z.string(), channel: z.string() });
const interval = z.object({ min: z.number().optional(), max: z.number().optional() });

export const dashboardResponse = z
  .object({
    standards: z.array(
      z.object({
        id: z.string(),
        quantity: z.string(),
        unit: z.string(),
        nominal: z.number(),
        measurand: channelRef,
        thermistor: channelRef.optional(),
        environment: z.object({
          temperature: channelRef.optional(),
          humidity: channelRef.optional(),
          pressure: channelRef.optional(),
          window: z.object({ temperature: interval.optional(), humidity: interval.optional(), pressure: interval.optional() }),
        }),
      }),
    ),
  })
  .describe("what the status page plots: each standard's channels and the protocol's environment window");
export type DashboardLayout = z.infer<typeof dashboardResponse>;

/** The page layout from the standards' configuration. */
export function dashboardLayout(standards: readonly StandardConfig[]): DashboardLayout {
  return {
    standards: standards.map((s) => ({
      id: s.id,
      quantity: s.quantity,
      unit: s.unit,
      nominal: s.nominal,
      measurand: { device: s.measurand.device, channel: s.measurand.channel },
      ...(s.thermistor ? { thermistor: { device: s.thermistor.device, channel: s.thermistor.channel } } : {}),
      environment: {
        ...(s.environment.temperature ? { temperature: s.environment.temperature } : {}),
        ...(s.environment.humidity ? { humidity: s.environment.humidity } : {}),
        ...(s.environment.pressure ? { pressure: s.environment.pressure } : {}),
        window: s.environment.window,
      },
    })),
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  type: string;
  /** The file's content: read on each request (the files are small and the OS caches them;
   *  an edited page is served without a restart). */
  body: () => Promise<Buffer>;
}

/** The `web/` folder: next to src/ in a checkout, next to dist/ in a build (searched upwards). */
export function findWebRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`the status page (web/index.html) was not found above ${from}`);
}

function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(root)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: () => readFile(join(root, name)) });
  }
  return assets;
}

const constant = (b: Buffer) => () => Promise.resolve(b);

function loadVendor(): Map<string, Asset> {
  const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot')));
  return new Map([
    ['uPlot.esm.js', { type: TYPES['.js']!, body: constant(readFileSync(join(uplotDir, 'uPlot.esm.js'))) }],
    ['uPlot.min.css', { type: TYPES['.css']!, body: constant(readFileSync(join(uplotDir, 'uPlot.min.css'))) }],
  ]);
}

export interface DashboardOptions {
  auth: Authorizer;
  layout?: () => DashboardLayout;
  /** Where the page's files are (default: found by `findWebRoot`). */
  webRoot?: string;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const assets = loadAssets(options.webRoot ?? findWebRoot());
  const vendor = loadVendor();
  const send = async (reply: FastifyReply, a: Asset | undefined) => {
    if (!a) return reply.code(404).send({ error: 'not_found' });
    return reply.headers(SECURITY_HEADERS).type(a.type).send(await a.body());
  };

  app.get('/', async (_req, reply) => send(reply, assets.get('index.html')));
  // The API reference: a small page that reads /docs/json (web/docs.js), no Swagger UI bundle.
  app.get('/docs', async (_req, reply) => send(reply, assets.get('docs.html')));
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => send(reply, assets.get(req.params.file)));
  app.get<{ Params: { file: string } }>('/ui/vendor/:file', async (req, reply) => send(reply, vendor.get(req.params.file)));
  app.get('/api/v1/dashboard', { preHandler: options.auth.require('read') }, async () => options.layout?.() ?? { standards: [] });
};
