/**
 * Draining an instrument's error queue after setup and after each reading (SYST:ERR? on SCPI
 * instruments, ERRSTR? on the 3458A). The drain never fails a cycle: a failed query or an
 * unparseable answer is reported and ends the drain; only an abort propagates (from `ask`).
 */
import { type Logger, TgError } from '../../src/kit.js';
import { printable } from './printable.js';

export interface ErrorEntry {
  code: number;
  message: string;
}

export interface ErrorQueueDrain {
  /** The error query, as named in reported details, e.g. 'SYST:ERR?'. */
  query: string;
  /** Each entry is reported as `<codePrefix><code>`, e.g. SCPI_-222. */
  codePrefix: string;
  /** Queries per drain at most: a queue that never empties cannot stall a cycle. */
  limit: number;
  /** Named in the warning logged when `limit` is reached, e.g. 'error queue'. */
  queueName: string;
  parse(line: string): ErrorEntry | null;
  /** Asks `query` once: its reply line, or undefined when asking failed and was reported. Throws only an abort. */
  ask(): Promise<string | undefined>;
  /** Called after an unparseable reply was reported as TG_PARSE_ERROR (e.g. to discard pending input). */
  unparseable(line: string): void;
  reportError(code: string, detail: string): void;
  log: Logger;
}

/** Asks the queue until it answers code 0, an answer fails or `limit` entries were reported. */
export async function drainErrorQueue(d: ErrorQueueDrain): Promise<void> {
  for (let i = 0; i < d.limit; i++) {
    const line = await d.ask();
    if (line === undefined) return;
    const entry = d.parse(line);
    if (!entry) {
      d.reportError('TG_PARSE_ERROR', `${d.query} answered "${printable(line)}"`);
      d.unparseable(line);
      return;
    }
    if (entry.code === 0) return;
    d.reportError(`${d.codePrefix}${entry.code}`, entry.message);
    d.log.warn({ code: entry.code, message: entry.message }, 'instrument error');
  }
  d.log.warn({ limit: d.limit }, `${d.queueName} not empty after the per-cycle limit`);
}

/** The error code (a TgError's own, else TG_LINK_CLOSED) and detail `<what>: <message>` to report for a failed query. */
export function queryFailure(what: string, err: unknown): { code: string; detail: string } {
  const code = err instanceof TgError ? err.code : 'TG_LINK_CLOSED';
  return { code, detail: `${what}: ${err instanceof Error ? err.message : String(err)}` };
}
