/**
 * Reading an export or an MQTT capture as journal records, for the verifier.
 *
 * Contract:
 * - Input: NDJSON, one JournalRecord JSON per line (a journal export line), or one MQTT payload per
 *   line: a record object (the events topic) or a JSON array of records (the records topic packs
 *   them). A line of `mosquitto_sub -v` output ("<topic> <payload>") is accepted too: text before
 *   the first " {" or " [" is taken as the topic and dropped. Blank lines, a leading BOM and CRLF
 *   line ends are tolerated. An object with neither `seq` nor `hash` (a gateway's retained status
 *   message in a capture of `travelgate/#`) is not a record: it is skipped and counted.
 * - Duplicates (same seq; MQTT QoS 1 delivers at least once) are dropped when they are identical —
 *   byte-identical, or equal in canonical form (the form that is hashed), so key order and
 *   whitespace do not matter. A duplicate seq with different content is a failure.
 * - `sort: true` (for MQTT captures, whose arrival order means nothing) sorts by seq. Without it the
 *   input order is kept, so the verifier sees reordering in an export.
 * - Only JSON syntax and an integer `seq` are checked here; everything else is the verifier's job.
 * - The whole input is held in memory (sorting and duplicate detection need it).
 */
import type { JournalRecord } from '../core/types.js';
import { canonicalJson, sha256Hex } from './canonical.js';

export interface ParseOptions {
  /** Sort by seq after removing duplicates (for MQTT captures). */
  sort?: boolean;
}

export type ParseResult =
  | {
      ok: true;
      records: JournalRecord[];
      /** Identical duplicates that were dropped. */
      duplicates: number;
      /** Objects that are not records (status messages) and were skipped. */
      skipped: number;
    }
  | {
      ok: false;
      /** 1-based line number of the offending line (the reason does not repeat it). */
      line: number;
      seq: number | null;
      reason: string;
    };

/** Parse NDJSON text or a byte/text stream (e.g. fs.createReadStream, process.stdin). */
export async function parseNdjson(
  input: string | AsyncIterable<string | Uint8Array>,
  options: ParseOptions = {},
): Promise<ParseResult> {
  const parser = new LineParser();
  if (typeof input === 'string') {
    const failure = parser.text(input, true);
    if (failure) return failure;
  } else {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decode = (chunk?: Uint8Array): string | ParseFailure => {
      try {
        return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
      } catch {
        return { ok: false, line: parser.line + 1, seq: null, reason: 'the input is not UTF-8 text' };
      }
    };
    for await (const chunk of input) {
      const text = typeof chunk === 'string' ? chunk : decode(chunk);
      const failure = typeof text === 'string' ? parser.text(text, false) : text;
      if (failure) return failure;
    }
    const text = decode();
    const failure = typeof text === 'string' ? parser.text(text, true) : text;
    if (failure) return failure;
  }
  const records = parser.records;
  if (options.sort) records.sort((a, b) => a.seq - b.seq);
  return { ok: true, records, duplicates: parser.duplicates, skipped: parser.skipped };
}

type ParseFailure = Extract<ParseResult, { ok: false }>;

class LineParser {
  readonly records: JournalRecord[] = [];
  duplicates = 0;
  skipped = 0;
  #rest = '';
  #line = 0;

  /** Lines read so far. */
  get line(): number {
    return this.#line;
  }
  /** seq -> index in `records` and digest of the raw line first seen with it. */
  readonly #seen = new Map<number, { index: number; digest: string | undefined; line: number }>();

  /** Feed text; `end` flushes a last line without a newline. */
  text(text: string, end: boolean): ParseFailure | undefined {
    const lines = (this.#rest + text).split('\n');
    this.#rest = end ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      const failure = this.#oneLine(line);
      if (failure) return failure;
    }
    return undefined;
  }

  #oneLine(raw: string): ParseFailure | undefined {
    this.#line++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.#line === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.trim() === '') return undefined;
    const head = line.trimStart();
    if (!head.startsWith('{') && !head.startsWith('[')) {
      // `mosquitto_sub -v`: "<topic> <payload>"
      const object = line.indexOf(' {');
      const array = line.indexOf(' [');
      const at = object < 0 ? array : array < 0 ? object : Math.min(object, array);
      if (at >= 0) line = line.slice(at + 1);
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return this.#fail(null, `not JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(value)) {
      for (const element of value) {
        const failure = this.#record(element, undefined);
        if (failure) return failure;
      }
      return undefined;
    }
    return this.#record(value, line);
  }

  /** One record (`raw`: its exact text when it had a line of its own). */
  #record(value: unknown, raw: string | undefined): ParseFailure | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.#fail(null, 'not a JSON object');
    }
    const seq = (value as { seq?: unknown }).seq;
    if (seq === undefined && (value as { hash?: unknown }).hash === undefined) {
      this.skipped++;
      return undefined;
    }
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      return this.#fail(null, 'a record without an integer seq');
    }

    const digest = raw === undefined ? undefined : sha256Hex(raw);
    const seen = this.#seen.get(seq);
    if (seen) {
      if ((digest !== undefined && seen.digest === digest) || sameCanonical(this.records[seen.index], value)) {
        this.duplicates++;
        return undefined;
      }
      return this.#fail(seq, `seq ${seq} appears twice with different content (lines ${seen.line} and ${this.#line})`);
    }
    this.#seen.set(seq, { index: this.records.length, digest, line: this.#line });
    this.records.push(value as JournalRecord);
    return undefined;
  }

  #fail(seq: number | null, reason: string): ParseFailure {
    return { ok: false, line: this.#line, seq, reason };
  }
}

function sameCanonical(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}
