/**
 * The InfluxDB sink: journal records as points (points.ts) through the `influx` package's 1.x
 * write API. InfluxDB 2.x and 3.x accept the same requests on their v1-compatible /write endpoint
 * (a database/retention-policy mapping to a bucket, the token as the password).
 *
 * Contract:
 * - One `deliver` is one HTTP write of the batch's points; a 2xx confirms the whole batch.
 * - Retried by the runner (thrown): network errors, timeouts, 5xx, 429, and 401/403/404/408 (a
 *   wrong password, a missing database or a proxy timeout is a setup problem to fix, not a reason
 *   to throw data away).
 * - Any other 4xx (400 field-type conflict or bad line, 413, 422) is refused for good: the batch is
 *   bisected (at most MAX_PROBE_WRITES writes) to find the records InfluxDB refuses, those are
 *   returned as `rejected` (the runner quarantines them with an event) and the rest is confirmed.
 *   InfluxDB 1.x writes the acceptable points of a partially refused batch, and rewriting a point
 *   is harmless, so bisecting never duplicates anything.
 * - The database is created (CREATE DATABASE is idempotent) once, before the first write, when
 *   `createDatabase` is set; a user without the right to create it just gets a warning.
 * - The package's own retries and host blacklisting are switched off: the runner's backoff is the
 *   only retry policy. Credentials never appear in an error message (`redact`).
 */
import { InfluxDB, type IPoint } from 'influx';
import type { Logger } from '../../core/logger.js';
import type { JournalRecord } from '../../core/types.js';
import { describeError, redact, SinkError, type Delivered, type Rejection, type Sink } from '../types.js';
import { pointsOf } from './points.js';

export interface InfluxSinkOptions {
  /** http(s)://host:port[/path]; credentials in the URL are accepted but better given separately. */
  url: string;
  database: string;
  username?: string;
  password?: string;
  retentionPolicy?: string;
  batchSize: number;
  flushIntervalMs: number;
  timeoutMs: number;
  createDatabase: boolean;
  /** Default 'influx'. */
  name?: string;
  log: Logger;
}

/** Upper bound on the writes one refused batch may take while isolating the refused records. */
const MAX_PROBE_WRITES = 64;
const RETRYABLE_4XX = new Set([401, 403, 404, 408, 429]);
/** Records converted to points between two yields to the event loop. */
const POINTS_SLICE = 500;

/** A never-disabling backoff for the package's host pool (the runner does the backing off). */
const NO_POOL_BACKOFF = {
  getDelay: () => 0,
  next() {
    return this;
  },
  reset() {
    return this;
  },
};

export class InfluxSink implements Sink {
  readonly name: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly #o: InfluxSinkOptions;
  readonly #client: InfluxDB;
  #databaseChecked: boolean;

  constructor(options: InfluxSinkOptions) {
    this.#o = options;
    this.name = options.name ?? 'influx';
    this.batchSize = options.batchSize;
    this.flushIntervalMs = options.flushIntervalMs;
    this.#databaseChecked = !options.createDatabase;
    const url = new URL(options.url);
    const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    this.#client = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 8086)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      path: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
      database: options.database,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      pool: { maxRetries: 0, requestTimeout: options.timeoutMs, backoff: NO_POOL_BACKOFF },
    });
  }

  async deliver(batch: readonly JournalRecord[], signal: AbortSignal): Promise<Delivered> {
    if (batch.length === 0) return { upTo: 0 };
    await this.#ensureDatabase(signal);
    const points = await pointsInSlices(batch);
    const outcome = await this.#write(points.flat(), signal);
    const last = batch[batch.length - 1]!.seq;
    if (outcome === 'ok') return { upTo: last };
    // Refused for good: find which records InfluxDB refuses, confirm the others.
    const budget = { writes: MAX_PROBE_WRITES - 1 };
    const rejected: Rejection[] = [];
    await this.#isolate(batch, points, 0, batch.length, outcome, budget, rejected, signal);
    // One quarantine per batch: every refused seq, with the reason InfluxDB gave for the first.
    return { upTo: last, rejected: [{ seqs: rejected.flatMap((r) => r.seqs), reason: rejected[0]?.reason ?? outcome.reason }] };
  }

  async close(): Promise<void> {
    // The package keeps no connection of its own beyond Node's HTTP agent.
  }

  /** 'ok', or the reason InfluxDB refused the points for good. Throws when it may heal. */
  async #write(points: IPoint[], signal: AbortSignal): Promise<'ok' | { reason: string }> {
    let write: Promise<void>;
    try {
      write = this.#client.writePoints(points, {
        precision: 'n',
        ...(this.#o.retentionPolicy ? { retentionPolicy: this.#o.retentionPolicy } : {}),
      });
    } catch (err) {
      // The package refused to format the points: deterministic, so never worth retrying.
      return { reason: `not writable as line protocol: ${describeError(err)}` };
    }
    try {
      await abortable(write, signal);
      return 'ok';
    } catch (err) {
      if (signal.aborted) throw err;
      const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
      if (status !== undefined && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
        return { reason: describeError(err) };
      }
      throw new SinkError(`InfluxDB write failed: ${describeError(err)}`);
    }
  }

  /** Bisects batch[from, to) (already refused with `refused`) down to the refused records. */
  async #isolate(
    batch: readonly JournalRecord[],
    points: IPoint[][],
    from: number,
    to: number,
    refused: { reason: string },
    budget: { writes: number },
    out: Rejection[],
    signal: AbortSignal,
  ): Promise<void> {
    if (to - from === 1 || budget.writes < 2) {
      out.push({ seqs: batch.slice(from, to).map((r) => r.seq), reason: refused.reason });
      return;
    }
    const mid = from + Math.floor((to - from) / 2);
    for (const [a, b] of [
      [from, mid],
      [mid, to],
    ] as const) {
      budget.writes -= 1;
      const outcome = await this.#write(points.slice(a, b).flat(), signal);
      if (outcome !== 'ok') await this.#isolate(batch, points, a, b, outcome, budget, out, signal);
    }
  }

  async #ensureDatabase(signal: AbortSignal): Promise<void> {
    if (this.#databaseChecked) return;
    try {
      await abortable(this.#client.createDatabase(this.#o.database), signal);
      this.#databaseChecked = true;
    } catch (err) {
      if (signal.aborted) throw err;
      const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
      if (status === undefined || status >= 500) throw new SinkError(`InfluxDB unreachable: ${describeError(err)}`);
      // No right to create databases: the operator made it; the writes will tell.
      this.#databaseChecked = true;
      this.#o.log.warn({ database: this.#o.database, error: describeError(err) }, 'could not create the InfluxDB database');
    }
  }

  /** The URL without credentials, for logs and status. */
  get target(): string {
    return `${redact(this.#o.url)} db=${this.#o.database}`;
  }
}

/** Records a slice at a time, yielding to the event loop in between: a 5000-record batch must
 *  not hold up acquisition for the whole conversion. */
async function pointsInSlices(batch: readonly JournalRecord[]): Promise<IPoint[][]> {
  const out: IPoint[][] = [];
  for (let i = 0; i < batch.length; i += POINTS_SLICE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const r of batch.slice(i, i + POINTS_SLICE)) out.push(pointsOf(r));
  }
  return out;
}

/** Rejects with the signal's reason when it aborts first (the HTTP request is left to time out). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
