/**
 * After a gateway run has stopped (SIGTERM, exit): did every journaled record leave the box, does
 * the export verify, and how big is the journal per value?
 *
 * Contract:
 * - The journal's records are seq 1..lastSeq (numbering is gap-free), lastSeq being the larger of
 *   the journal file's MAX(seq) (when its `records` table exists) and the export's last seq.
 * - Lost in InfluxDB: seqs in 1..lastSeq that no point of any measurement carries. Lost over MQTT:
 *   seqs the platform subscriber has not received after WAIT_MQTT_MS (it keeps collecting while
 *   the export runs).
 * - The export is `travelgate export --config FILE` to a file, verified by `travelgate verify FILE
 *   --public-key <keyFile>.pub`; OK means exit 0 of both.
 * - Journal size: the file is opened with better-sqlite3, `PRAGMA wal_checkpoint(TRUNCATE)`, closed;
 *   size = journal.sqlite + journal.sqlite-wal. Values journaled = every channel value the run
 *   delivered to InfluxDB (nothing is lost, so it is what the journal holds, in either schema).
 */
import { closeSync, createReadStream, existsSync, openSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { InfluxServer } from '../../test/helpers/servers/influxdb.js';
import type { GatewayFiles } from './gateway-config.js';
import { countValues, deliveredSeqs } from './influx-counts.js';
import type { SeqCollector } from './mqtt-seqs.js';
import { runNode, TRAVELGATE } from './node-process.js';

export interface GatewayAudit {
  lastSeq: number;
  lostInflux: number;
  lostMqtt: number;
  /** MQTT payloads that were not records. */
  mqttMalformed: number;
  verifyOk: boolean;
  /** `travelgate verify`'s summary line, or why export or verify failed. */
  verifyLine: string;
  journalBytes: number;
  valuesJournaled: number;
}

const WAIT_MQTT_MS = 15_000;

function missing(seqs: ReadonlySet<number>, lastSeq: number): number {
  let n = 0;
  for (let s = 1; s <= lastSeq; s++) if (!seqs.has(s)) n++;
  return n;
}

/** Checkpoints the WAL into the file, then measures file + WAL; also returns MAX(seq) if it can. */
function checkpointedJournal(path: string): { bytes: number; maxSeq: number } {
  const db = new Database(path);
  let maxSeq = 0;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    try {
      maxSeq = Number((db.prepare('SELECT MAX(seq) AS m FROM records').get() as { m: number | null }).m ?? 0);
    } catch {
      // A journal schema without a `records` table: the export alone gives the last seq.
    }
  } finally {
    db.close();
  }
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return { bytes: size(path) + size(`${path}-wal`), maxSeq };
}

/** The export's last seq (each line is one record's JSON). */
async function lastExportedSeq(file: string): Promise<number> {
  let last = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    if (typeof seq === 'number' && seq > last) last = seq;
  }
  return last;
}

async function exportAndVerify(files: GatewayFiles): Promise<{ ok: boolean; line: string; lastSeq: number }> {
  const exportFile = join(dirname(files.config), 'export.ndjson');
  const fd = openSync(exportFile, 'w');
  let exported;
  try {
    exported = await runNode('travelgate export', [TRAVELGATE, 'export', '--config', files.config], { stdout: fd });
  } finally {
    closeSync(fd);
  }
  if (exported.code !== 0) return { ok: false, line: `export exited ${exported.code}: ${exported.output.join(' ')}`, lastSeq: 0 };
  const lastSeq = await lastExportedSeq(exportFile);
  const verified = await runNode('travelgate verify', [TRAVELGATE, 'verify', exportFile, '--public-key', files.publicKey]);
  const line = verified.output.find((l) => /^(OK|FAILED)/.test(l)) ?? verified.output.join(' ');
  return { ok: verified.code === 0, line, lastSeq };
}

export async function auditGatewayRun(files: GatewayFiles, influx: InfluxServer, database: string, mqtt: SeqCollector): Promise<GatewayAudit> {
  const journal = checkpointedJournal(files.journal);
  const verification = await exportAndVerify(files);
  const lastSeq = Math.max(journal.maxSeq, verification.lastSeq);
  const lostInflux = missing(await deliveredSeqs(influx, database), lastSeq);
  await mqtt.waitForAll(lastSeq, WAIT_MQTT_MS);
  return {
    lastSeq,
    lostInflux,
    lostMqtt: missing(mqtt.seqs, lastSeq),
    mqttMalformed: mqtt.malformed(),
    verifyOk: verification.ok,
    verifyLine: verification.line,
    journalBytes: journal.bytes,
    valuesJournaled: await countValues(influx, database),
  };
}
