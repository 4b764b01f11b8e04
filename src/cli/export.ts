import { join } from 'node:path';
import { formatIssues } from '../config/format.js';
import { loadConfig } from '../config/load.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { Journal } from '../journal/journal.js';
import { registry } from '../registry.js';
import type { CliIo } from './keygen.js';

const PAGE = 1000;
const CHUNK_BYTES = 256 * 1024;

export interface ExportRange {
  /** First seq to export (default: the journal's first). */
  from?: number;
  /** Last seq to export (default: the journal's last). */
  to?: number;
}

/**
 * `travelgate export --config FILE [--from SEQ] [--to SEQ]`: journal records and seals as NDJSON
 * (one record's JSON per line, seq order) on stdout; a summary on stderr.
 *
 * Contract:
 * - The journal is opened read-only, so this runs while the gateway writes (WAL: one consistent
 *   snapshot per page; the range is fixed when the export starts).
 * - An export ends with a seal, so it verifies: records after the last seal in the range are left
 *   out and stderr says so (a running gateway seals them within its seal interval; export again).
 * - Exit 0 when something was exported; 1 when the range holds no seal at all (nothing verifiable)
 *   or the journal cannot be read; 2 for an invalid configuration.
 */
export async function exportJournal(configFile: string, range: ExportRange = {}, io: CliIo = process): Promise<number> {
  const loaded = loadConfig(configFile, registry);
  if (!loaded.ok) {
    io.stderr.write(`${configFile}: invalid configuration\n${formatIssues(loaded.issues)}\n`);
    return 2;
  }
  const config = loaded.config;
  const path = config.journal.path ?? join(config.gateway.dataDir, 'journal.sqlite');
  let journal: Journal;
  try {
    journal = Journal.open({
      path,
      gateway: config.gateway.id,
      lab: config.gateway.lab,
      clock: systemClock,
      commitIntervalMs: 0,
      log: silentLogger(),
      readonly: true,
    });
  } catch (err) {
    io.stderr.write(`travelgate export: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return await writeRange(journal, range, io);
  } finally {
    await journal.close();
  }
}

async function writeRange(journal: Journal, range: ExportRange, io: CliIo): Promise<number> {
  const stats = journal.stats();
  const from = Math.max(range.from ?? 1, stats.firstSeq ?? 1);
  const to = Math.min(range.to ?? stats.lastSeq, stats.lastSeq);
  if (stats.firstSeq === null || from > to) {
    io.stderr.write(`travelgate export: no records in seq ${range.from ?? 1}..${range.to ?? stats.lastSeq} (journal: ${describe(stats)})\n`);
    return 1;
  }
  const out = new ChunkedWriter(io.stdout);
  let unsealed: string[] = []; // lines after the last seal seen: written only once a seal follows
  let unsealedFrom = 0;
  let written = 0;
  let seals = 0;
  let lastWritten = 0;
  for (let next = from; next <= to; ) {
    const page = journal.entries(next, PAGE);
    if (page.length === 0) break;
    for (const r of page) {
      if (r.seq > to) break;
      if (unsealed.length === 0) unsealedFrom = r.seq;
      unsealed.push(r.json); // the stored bytes as they were hashed, the hash first
      if (r.kind === 'seal') {
        for (const line of unsealed) await out.line(line);
        written += unsealed.length;
        seals++;
        lastWritten = r.seq;
        unsealed = [];
      }
    }
    next = page[page.length - 1]!.seq + 1;
  }
  await out.end();
  if (out.failed) {
    io.stderr.write(`travelgate export: writing the export failed: ${out.failed.message}\n`);
    return 1;
  }
  if (written === 0) {
    io.stderr.write(`travelgate export: no seal in seq ${from}..${to}, so nothing there can be verified yet\n`);
    return 1;
  }
  const parts = [`exported ${written} records (seq ${from}..${lastWritten}, ${seals} seals)`];
  if (from > 1) parts.push(`the first record links to seq ${from - 1}, which is not in the export`);
  if (unsealed.length > 0) {
    parts.push(
      `left out ${unsealed.length} record(s) after the last seal (seq ${unsealedFrom}..${unsealedFrom + unsealed.length - 1}): ` +
        'no seal covers them yet; a running gateway seals them within its seal interval, so export again to include them',
    );
  }
  io.stderr.write(`travelgate export: ${parts.join('; ')}\n`);
  return 0;
}

function describe(stats: { firstSeq: number | null; lastSeq: number }): string {
  return stats.firstSeq === null ? 'empty' : `seq ${stats.firstSeq}..${stats.lastSeq}`;
}

/** Lines gathered into large writes, respecting back-pressure; remembers a write error. */
class ChunkedWriter {
  #buf: string[] = [];
  #bytes = 0;
  failed: Error | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: Error) => {
      this.failed ??= err; // e.g. EPIPE when the reader went away
    });
  }

  async line(text: string): Promise<void> {
    this.#buf.push(text, '\n');
    this.#bytes += text.length + 1;
    if (this.#bytes >= CHUNK_BYTES) await this.#flush();
  }

  async end(): Promise<void> {
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buf.length === 0 || this.failed) return;
    const chunk = this.#buf.join('');
    this.#buf = [];
    this.#bytes = 0;
    const drained = this.stream.write(chunk);
    if (!drained && !this.failed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }
}
