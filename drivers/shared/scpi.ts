/**
 * What every SCPI (IEEE 488.2) instrument answers the same way: *IDN? and SYST:ERR?, and the
 * draining of its error queue after setup and after each reading.
 */
import type { Logger } from '../../src/core/logger.js';
import { TgError, isAbort } from '../../src/core/errors.js';
import type { DeviceIdentity } from '../../src/core/types.js';
import type { LineIO } from '../../src/links/types.js';
import { drainErrorQueue, queryFailure } from './error-queue.js';
import { printable } from './printable.js';

/**
 * Parses an *IDN? reply, `manufacturer,model,serial,firmware` (IEEE 488.2 §10.14). Fields are
 * trimmed; a missing firmware field is tolerated, and commas beyond the fourth field stay part of
 * the firmware. Returns null when fewer than three non-empty fields are present.
 */
export function parseIdn(text: string): DeviceIdentity | null {
  const fields = text.trim().split(',');
  if (fields.length < 3) return null;
  const [manufacturer, model, serial, ...rest] = fields.map((f) => f.trim()) as [string, string, string, ...string[]];
  if (!manufacturer || !model || !serial) return null;
  if (!isPrintable(text)) return null;
  const firmware = rest.join(',').trim();
  return { manufacturer, model, serial, ...(firmware ? { firmware } : {}) };
}

/** One error queue entry. Code 0 means the queue is empty. */
export interface ScpiError {
  code: number;
  message: string;
}

const SYST_ERR = /^([+-]?\d+)\s*,\s*(?:"((?:[^"]|"")*)"|(.*))$/;

/**
 * Parses a SYST:ERR? reply: `-113,"Undefined header"` or `+0,"No error"`. An unquoted message
 * (some instruments and adapters) is accepted; doubled quotes inside a string unescape to one.
 * Returns null for anything else.
 */
export function parseSystErr(text: string): ScpiError | null {
  const m = SYST_ERR.exec(text.trim());
  if (!m) return null;
  const code = Number(m[1]);
  if (!Number.isSafeInteger(code)) return null;
  const message = m[2] !== undefined ? m[2].replace(/""/g, '"') : (m[3] ?? '').trim();
  return { code, message };
}

function isPrintable(text: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(text);
}

/** Asks *IDN? (after dropping stale input) and parses it; a reply that is no identity is a
 *  TG_PARSE_ERROR, so acquisition retries the connect. */
export async function identify(io: LineIO, timeoutMs: number, signal: AbortSignal): Promise<DeviceIdentity> {
  io.discardInput();
  const idn = await io.query('*IDN?', timeoutMs, signal);
  const identity = parseIdn(idn.line);
  if (!identity) throw new TgError('TG_PARSE_ERROR', `*IDN? answered "${printable(idn.line)}"`);
  return identity;
}

export interface ScpiDrainOptions {
  timeoutMs: number;
  /** SYST:ERR? queries per drain at most. */
  limit: number;
  reportError(code: string, detail: string): void;
  log: Logger;
  /** After an unparseable reply was reported (e.g. discard pending input, or log it). */
  unparseable(line: string): void;
}

/** Reads SYST:ERR? until the queue is empty and reports each entry as SCPI_<code>. Never throws
 *  except on abort: a failed drain is reported and the cycle's reading is kept. */
export async function drainScpiErrors(io: LineIO, signal: AbortSignal, o: ScpiDrainOptions): Promise<void> {
  await drainErrorQueue({
    query: 'SYST:ERR?',
    codePrefix: 'SCPI_',
    limit: o.limit,
    queueName: 'error queue',
    parse: parseSystErr,
    async ask() {
      try {
        return (await io.query('SYST:ERR?', o.timeoutMs, signal)).line;
      } catch (err) {
        if (signal.aborted || isAbort(err)) throw err;
        const { code, detail } = queryFailure('SYST:ERR?', err);
        o.reportError(code, detail);
        o.log.warn({ code, detail }, 'could not read the error queue');
        return undefined;
      }
    },
    unparseable: o.unparseable,
    reportError: o.reportError,
    log: o.log,
  });
}
