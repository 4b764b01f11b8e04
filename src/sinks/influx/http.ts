/**
 * The two requests the InfluxDB sink makes, over node:http(s) with a keep-alive agent: a line
 * protocol write (POST /write) and a query (POST /query, for CREATE DATABASE). InfluxDB 2.x and
 * 3.x accept both on their v1-compatible endpoints (a database/retention-policy mapping to a
 * bucket, the token as the password).
 *
 * Contract:
 * - `write` resolves on 2xx; otherwise it rejects with an InfluxHttpError carrying the status and
 *   InfluxDB's own error text, or with the network error (status undefined). Each request has
 *   `timeoutMs` and ends early when `signal` aborts.
 * - Credentials go in an Authorization header (basic), never in the URL, so no error message or
 *   log line built from the URL can carry them.
 * - The `influx` package is not used: it formats points one value at a time (the sink builds line
 *   protocol itself, lines.ts) and keeps a host pool with its own retry policy (the runner's
 *   backoff is the only one). These two requests are all the sink needs.
 */
import http from 'node:http';
import { timerMs } from '../../core/clock.js';

/** The most of an HTTP answer kept (InfluxDB answers a write with nothing, or an error text). */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface InfluxTarget {
  /** http(s)://host:port[/path]; credentials in it are taken out and sent as a header. */
  url: string;
  database: string;
  username?: string;
  password?: string;
  retentionPolicy?: string;
  timeoutMs: number;
}

export class InfluxHttpError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'InfluxHttpError';
  }
}

export class InfluxHttp {
  readonly #base: URL;
  readonly #o: InfluxTarget;
  readonly #auth: string | undefined;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(o: InfluxTarget) {
    const url = new URL(o.url);
    const username = o.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = o.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    this.#base = url;
    this.#o = o;
    this.#auth = username !== undefined || password !== undefined ? `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` : undefined;
    // node:https (and TLS with it, about 1 MiB resident) is loaded only for an https:// InfluxDB.
    const transport = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : http;
    this.#agent = new transport.Agent({ keepAlive: true, maxSockets: 2 });
    this.#request = transport.request;
  }

  /** `lines`: line protocol, one point per line (a Buffer of UTF-8 is sent as it is). */
  write(lines: string | Buffer, signal: AbortSignal): Promise<void> {
    const q = new URLSearchParams({ db: this.#o.database, precision: 'n' });
    if (this.#o.retentionPolicy) q.set('rp', this.#o.retentionPolicy);
    return this.#post('write', q, lines, signal).then(() => undefined);
  }

  query(statement: string, signal: AbortSignal): Promise<string> {
    return this.#post('query', new URLSearchParams({ q: statement }), '', signal);
  }

  close(): void {
    this.#agent.destroy();
  }

  #post(endpoint: string, query: URLSearchParams, body: string | Buffer, signal: AbortSignal): Promise<string> {
    const path = `${this.#base.pathname.replace(/\/$/, '')}/${endpoint}?${query}`;
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain; charset=utf-8', 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length };
      if (this.#auth) headers.authorization = this.#auth;
      const req = this.#request(
        { protocol: this.#base.protocol, hostname: this.#base.hostname, port: this.#base.port, path, method: 'POST', headers, agent: this.#agent, timeout: timerMs(this.#o.timeoutMs) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // An answer is a few bytes (an error text at most): a server that sends more is cut off.
            size += c.length;
            if (size > MAX_ANSWER_BYTES) res.destroy(new Error(`answer longer than ${MAX_ANSWER_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', fail);
          res.on('end', () => {
            signal.removeEventListener('abort', onAbort);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(text);
            reject(new InfluxHttpError(status, `${status} ${errorText(text) || res.statusMessage || ''}`.trim()));
          });
        },
      );
      function fail(err: Error) {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof InfluxHttpError ? err : new InfluxHttpError(undefined, err.message || String(err)));
      }
      const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** InfluxDB's `{"error":"..."}` text, or the body itself (short). */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return body.slice(0, 300);
}
