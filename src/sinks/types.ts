/**
 * The sink seam: a sink forwards journal records somewhere else and says what it confirmed.
 *
 * Contract:
 * - A sink never reads the journal and never moves a cursor: the SinkRunner (runner.ts) hands it
 *   batches in seq order, starting after the sink's persisted cursor, and advances the cursor over
 *   what the sink confirmed.
 * - `deliver(batch)` resolves with `upTo`, the highest seq such that every record of the batch up
 *   to and including it was confirmed by the destination (InfluxDB 2xx, MQTT PUBACK). An `upTo`
 *   beyond the batch's last seq is read as the batch's last seq: a cursor never passes a record
 *   the sink was not given. A record
 *   listed in `rejected` counts as confirmed for the cursor: the destination refused it for good,
 *   and the runner journals a quarantine event naming it instead of retrying it for ever.
 * - A failure that may heal (network, 5xx, 429, a broker that went away) is thrown. A SinkError
 *   may carry `upTo` when a prefix of the batch was confirmed before the failure.
 * - Resending a record is harmless: the same record always becomes the same InfluxDB point, and
 *   MQTT payloads carry `gateway` and `seq` so the platform recognises a duplicate.
 * - `deliver` stops waiting when `signal` aborts (rejecting); `close` releases connections.
 * - Nothing a sink throws or reports may contain a password: messages go through `redact`.
 */
import type { JournalRecord } from '../core/types.js';
import type { CommittedRecord } from '../journal/index.js';

export interface Rejection {
  /** The seqs the destination refused. */
  seqs: number[];
  /** Why, as the destination said it (redacted). */
  reason: string;
}

export interface Delivered {
  upTo: number;
  rejected?: Rejection[];
}

/** A sink's encoding of a record: text, or the same text as UTF-8 bytes. */
export type Encoded = string | Buffer;

export interface Sink {
  /** Stable: the journal keys the sink's cursor by it. */
  readonly name: string;
  /** Most records one `deliver` call takes. */
  readonly batchSize: number;
  /** How long the runner may hold a partial batch to fill it (ms); 0 sends at once. */
  readonly flushIntervalMs: number;
  /**
   * A sink that sends its own encoding of a record (InfluxDB: a line) has it made at commit, while
   * the record is in memory: `encoded[i]` is `encode(batch[i].record)`, as text or as its UTF-8
   * bytes (what the journal keeps in its tail).
   */
  encode?(record: JournalRecord): string;
  /** Records in seq order, with their JSON (what MQTT sends) and objects made on demand. */
  deliver(batch: readonly CommittedRecord[], signal: AbortSignal, encoded?: readonly Encoded[]): Promise<Delivered>;
  close(): Promise<void>;
}

/** A failed delivery; `upTo` is set when a prefix of the batch was confirmed first. */
export class SinkError extends Error {
  readonly upTo: number | undefined;
  constructor(message: string, options: { upTo?: number; cause?: unknown } = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SinkError';
    this.upTo = options.upTo;
  }
}

export type SinkState = 'starting' | 'idle' | 'delivering' | 'retrying' | 'stopped';

/** What GET /api/v1/status shows for a sink. Never carries a secret. */
export interface SinkStatus {
  name: string;
  state: SinkState;
  /** Last seq the sink confirmed (in memory; persisted at most `cursorPersistMs` later). */
  cursor: number;
  /** Journal records after the cursor, not yet confirmed. */
  pending: number;
  /** Records confirmed since this process started. */
  delivered: number;
  /** Records the destination refused for good and that were quarantined with an event. */
  quarantined: number;
  /** Why the sink is failing now; null while it delivers (a recovery clears it). */
  lastError: string | null;
  /** When the last failure was, even after a recovery. */
  lastErrorAt: string | null;
  /** Age of the oldest record not yet confirmed, in seconds (0 when caught up). */
  lagSeconds: number;
}

/** Removes credentials from anything that may reach a log or the API: user:password@ in URLs,
 *  and `password=...` / `Authorization: ...` fragments. */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*(:[^/\s@]*)?@/gi, '$1[redacted]@')
    .replace(/(\b(?:password|passwd|pwd|p)=)[^&\s"]*/gi, '$1[redacted]')
    .replace(/(authorization["']?\s*[:=]\s*["']?)(basic|bearer|token)?\s*[^\s"',}]+/gi, '$1[redacted]');
}

/** The message of any thrown value, redacted and on one line. */
export function describeError(err: unknown): string {
  const msg = err instanceof Error ? err.message || err.name : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
  return redact(text.replace(/\s+/g, ' ').trim()).slice(0, 500);
}
