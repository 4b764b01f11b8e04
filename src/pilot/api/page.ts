/**
 * The pilot's page: GET / and its files under /ui/ (web/pilot/, plus the status page's shared api.js,
 * style.css, format.js and favicon.svg from web/), and uPlot from the installed package.
 *
 * Contract: only files that exist when the API starts are served, looked up by exact name (no
 * request path is joined onto a folder). A strict Content-Security-Policy allows only this origin.
 * The files hold no data; every figure comes from the token-protected API.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const SHARED = ['style.css', 'format.js', 'api.js', 'favicon.svg'];
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The `web/` folder above this file (a checkout or a build). */
export function findWebRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web', 'pilot', 'index.html'))) return join(dir, 'web');
    dir = dirname(dir);
  }
  throw new Error(`the pilot page (web/pilot/index.html) was not found above ${from}`);
}

export function registerPage(app: FastifyInstance, webRoot = findWebRoot()): void {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(webRoot, 'pilot'))) if (TYPES[extname(name)]) files.set(name, join(webRoot, 'pilot', name));
  for (const name of SHARED) if (!files.has(name) && existsSync(join(webRoot, name))) files.set(name, join(webRoot, name));
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  const vendor = new Map([
    ['uPlot.esm.js', join(uplot, 'uPlot.esm.js')],
    ['uPlot.min.css', join(uplot, 'uPlot.min.css')],
  ]);
  const send = (reply: FastifyReply, file: string | undefined) => {
    if (!file) return reply.code(404).send({ error: 'not_found' });
    return reply.headers(HEADERS).type(TYPES[extname(file)]!).send(readFileSync(file));
  };
  app.get('/', async (_req, reply) => send(reply, files.get('index.html')));
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => send(reply, files.get(req.params.file)));
  app.get<{ Params: { file: string } }>('/ui/vendor/:file', async (req, reply) => send(reply, vendor.get(req.params.file)));
}
