/**
 * The InfluxDB sink: journal records as line protocol (lines.ts), one line per record, written
 * over HTTP (http.ts) to InfluxDB 1.x's /write, or the v1-compatible endpoint of 2.x and 3.x.
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
 * - The runner's backoff is the only retry policy. Credentials never appear in an error message.
 * - Lines are built a slice of records at a time with a yield in between, so a large catch-up
 *   batch never holds up acquisition for the whole conversion.
 */
import type { Logger } from '../../core/logger.js';
import type { JournalRecord } from '../../core/types.js';
import type { CommittedRecord } from '../../journal/index.js';
import { describeError, redact, SinkError, type Delivered, type Encoded, type Rejection, type Sink } from '../types.js';
import { InfluxHttp, InfluxHttpError } from './http.js';
import { LineBuilder } from './lines.js';

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
  /** The tags every point carries. */
  gateway: string;
  lab: string;
  /** Default 'influx'. */
  name?: string;
  log: Logger;
}

/** Upper bound on the writes one refused batch may take while isolating the refused records. */
const MAX_PROBE_WRITES = 64;
const RETRYABLE_4XX = new Set([401, 403, 404, 408, 429]);
/** Records turned into lines between two yields to the event loop. */
const LINES_SLICE = 1000;

export class InfluxSink implements Sink {
  readonly name: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly #o: InfluxSinkOptions;
  readonly #http: InfluxHttp;
  readonly #lines: LineBuilder;
  #databaseChecked: boolean;

  constructor(options: InfluxSinkOptions) {
    this.#o = options;
    this.name = options.name ?? 'influx';
    this.batchSize = options.batchSize;
    this.flushIntervalMs = options.flushIntervalMs;
    this.#databaseChecked = !options.createDatabase;
    this.#http = new InfluxHttp({
      url: options.url,
      database: options.database,
      timeoutMs: options.timeoutMs,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.retentionPolicy !== undefined ? { retentionPolicy: options.retentionPolicy } : {}),
    });
    this.#lines = new LineBuilder(options.gateway, options.lab);
  }

  /** The record's line, made at commit by the journal (Journal.addEncoder). */
  encode(record: JournalRecord): string {
    return this.#lines.line(record);
  }

  async deliver(batch: readonly CommittedRecord[], signal: AbortSignal, encoded?: readonly Encoded[]): Promise<Delivered> {
    if (batch.length === 0) return { upTo: 0 };
    await this.#ensureDatabase(signal);
    const lines = encoded ?? (await this.#linesOf(batch));
    const outcome = await this.#write(lines, 0, lines.length, signal);
    const last = batch[batch.length - 1]!.seq;
    if (outcome === 'ok') return { upTo: last };
    // Refused for good: find which records InfluxDB refuses, confirm the others.
    const budget = { writes: MAX_PROBE_WRITES - 1 };
    const rejected: Rejection[] = [];
    await this.#isolate(batch, lines, 0, batch.length, outcome, budget, rejected, signal);
    // One quarantine per batch: every refused seq, with the reason InfluxDB gave for the first.
    return { upTo: last, rejected: [{ seqs: rejected.flatMap((r) => r.seqs), reason: rejected[0]?.reason ?? outcome.reason }] };
  }

  async close(): Promise<void> {
    this.#http.close();
  }

  /** One line per record; a record that cannot be written as a line gets '' (refused below). */
  async #linesOf(batch: readonly CommittedRecord[]): Promise<string[]> {
    const out: string[] = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && i % LINES_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      out[i] = this.#lines.line(batch[i]!.record);
    }
    return out;
  }

  /** Writes lines[from, to): 'ok', or the reason InfluxDB refused them for good. Throws when it may heal. */
  async #write(lines: readonly Encoded[], from: number, to: number, signal: AbortSignal): Promise<'ok' | { reason: string }> {
    try {
      await this.#http.write(linesBody(lines, from, to), signal);
      return 'ok';
    } catch (err) {
      if (signal.aborted) throw err;
      const status = err instanceof InfluxHttpError ? err.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
        return { reason: describeError(err) };
      }
      throw new SinkError(`InfluxDB write failed: ${describeError(err)}`);
    }
  }

  /** Bisects batch[from, to) (already refused with `refused`) down to the refused records. */
  async #isolate(
    batch: readonly CommittedRecord[],
    lines: readonly Encoded[],
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
      const outcome = await this.#write(lines, a, b, signal);
      if (outcome !== 'ok') await this.#isolate(batch, lines, a, b, outcome, budget, out, signal);
    }
  }

  async #ensureDatabase(signal: AbortSignal): Promise<void> {
    if (this.#databaseChecked) return;
    try {
      await this.#http.query(`CREATE DATABASE "${this.#o.database.replace(/["\\]/g, '\\$&')}"`, signal);
      this.#databaseChecked = true;
    } catch (err) {
      if (signal.aborted) throw err;
      const status = err instanceof InfluxHttpError ? err.status : undefined;
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

/** lines[from, to), each followed by a line feed, as one UTF-8 Buffer: written in place, so a
 *  batch's text is never concatenated and flattened on the V8 heap, and what waits for InfluxDB's
 *  answer is memory outside it. */
function linesBody(lines: readonly Encoded[], from: number, to: number): Buffer {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const line = lines[i]!;
    bytes += (typeof line === 'string' ? Buffer.byteLength(line) : line.length) + 1;
  }
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = from; i < to; i++) {
    const line = lines[i]!;
    at += typeof line === 'string' ? body.write(line, at, 'utf8') : line.copy(body, at);
    body[at++] = 0x0a;
  }
  return body;
}
