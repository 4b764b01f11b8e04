/**
 * The Host-header guard against DNS rebinding: a page on another site whose name was made to
 * resolve to this box (or to 127.0.0.1) sends requests whose Host header carries that site's
 * name. Answering only to the names the API is really reached by keeps such a page from reading
 * it, whatever CORS says.
 *
 * Contract:
 * - Allowed: the loopback names (localhost, 127.0.0.1, ::1, *.localhost), the address the API
 *   binds (unless it is a wildcard such as 0.0.0.0), and every configured name (`api.hostNames`;
 *   "*" allows any). Names compare case-insensitively, without the port.
 * - Every request except the health probes (/healthz, /readyz: no data, and orchestrators probe
 *   by IP) with another Host, or none, is answered 403 before anything else runs.
 */
import type { FastifyInstance } from 'fastify';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);
const PROBES = new Set(['/healthz', '/readyz']);

export function allowedHosts(bindHost: string | undefined, configured: readonly string[]): Set<string> | undefined {
  if (configured.includes('*')) return undefined; // no check
  const names = new Set([...LOOPBACK, ...configured.map(normalise)]);
  if (bindHost !== undefined && !WILDCARD_BINDS.has(bindHost)) names.add(normalise(bindHost));
  return names;
}

/** The host name of a Host header value: lowercased, without port and IPv6 brackets. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.indexOf(':');
  // One colon: name:port. More: a bare IPv6 address (not valid in Host, but normalise it anyway).
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

function normalise(name: string): string {
  return hostOf(name).replace(/\.$/, '');
}

export function registerHostGuard(app: FastifyInstance, allowed: Set<string> | undefined): void {
  if (!allowed) return;
  app.addHook('onRequest', async (req, reply) => {
    if (PROBES.has(req.url.split('?')[0]!)) return;
    const header = req.headers.host;
    const host = typeof header === 'string' ? normalise(header) : '';
    if (host !== '' && (allowed.has(host) || host.endsWith('.localhost'))) return;
    return reply.code(403).send({
      error: 'forbidden_host',
      message: `this API does not answer to the host name "${host}"; add it to api.hostNames if the box is reached by it`,
    });
  });
}
