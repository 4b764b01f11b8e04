/**
 * `travelgate health [--config FILE | --url URL]`: is the gateway up? GET /healthz at the address
 * the configuration gives it (api.host, api.port, https with api.tls), so a container's
 * HEALTHCHECK follows the configured port. A host of 0.0.0.0 / :: is asked on loopback; a
 * self-signed TLS certificate is accepted (this checks liveness, not identity).
 * Exit 0 when it answers 200, 1 when it does not (the reason on stderr), 2 for a bad configuration.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatIssues } from '../config/format.js';

export function healthUrl(api: { host: string; port: number; tls?: unknown }): string {
  const host = api.host === '0.0.0.0' || api.host === '' ? '127.0.0.1' : api.host === '::' ? '::1' : api.host;
  const h = host.includes(':') ? `[${host}]` : host;
  return `${api.tls ? 'https' : 'http'}://${h}:${api.port}/healthz`;
}

export async function health(options: { config?: string; url?: string }, timeoutMs = 4000): Promise<number> {
  let url = options.url;
  if (url === undefined) {
    const [{ loadConfig }, { registry }] = await Promise.all([import('../config/load.js'), import('../registry.js')]);
    const loaded = loadConfig(options.config!, registry);
    if (!loaded.ok) {
      process.stderr.write(`${options.config}: invalid configuration\n${formatIssues(loaded.issues)}\n`);
      return 2;
    }
    url = healthUrl(loaded.config.api);
  } else if (!/^https?:\/\//.test(url)) {
    url = `http://${url}`;
  }
  if (!url.endsWith('/healthz')) url = `${url.replace(/\/$/, '')}/healthz`;
  const target = url;
  const status = await new Promise<number | string>((resolve) => {
    const req = (target.startsWith('https:') ? httpsRequest : httpRequest)(target, { method: 'GET', timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
  if (status === 200) {
    process.stdout.write(`ok: ${target}\n`);
    return 0;
  }
  process.stderr.write(`unhealthy: ${target}: ${typeof status === 'number' ? `HTTP ${status}` : status}\n`);
  return 1;
}
