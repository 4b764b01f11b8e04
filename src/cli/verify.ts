import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { JournalRecord } from '../core/types.js';
import { loadPublicKey } from '../integrity/seal.js';
import { parseNdjson } from '../integrity/ndjson.js';
import { verifyRecords } from '../integrity/verify.js';
import type { CliIo } from './keygen.js';

/**
 * `travelgate verify FILE --public-key KEYFILE.pub [--public-key OLD.pub ...]`: does FILE hold an
 * intact, sealed, gap-free run of journal records?
 *
 * Contract:
 * - FILE ('-' for stdin) is an export (`travelgate export`: one record's JSON per line) or a file of
 *   collected MQTT payloads, one per line: a JSON array of records (the records topic) or one
 *   record (the events topic); a `mosquitto_sub -v` "topic payload" line works too, and objects
 *   that are not records (the retained status messages) are skipped and counted. A capture may
 *   arrive out of order and with duplicates (QoS 1): when the lines are not in strictly increasing
 *   seq order, identical duplicates are dropped and the records are checked in seq order; a seq that
 *   appears twice with different content fails. The seq and the hash chain, not the line order,
 *   carry the evidence.
 * - Checks (src/integrity/verify.ts): record hashes, the chain links, no missing seq, every seal's
 *   Ed25519 signature by a trusted key (several --public-key for rotated keys) over a head in the
 *   file, and that the file ends covered by a seal.
 * - Exit 0 and a one-line summary on stdout when all holds. Otherwise exit 1 and the first failure
 *   on stdout: `FAILED at seq N: reason` (or `at line L` for a line that is not a record).
 *   Exit 2 when a key cannot be read (nothing was verified).
 */
export async function verifyFile(file: string, publicKeyFiles: readonly string[], io: CliIo = process): Promise<number> {
  const keys: KeyObject[] = [];
  for (const keyFile of publicKeyFiles) {
    try {
      keys.push(loadPublicKey(keyFile));
    } catch (err) {
      io.stderr.write(`travelgate verify: cannot use public key ${keyFile}: ${(err as Error).message}\n`);
      return 2;
    }
  }

  let parsed: Awaited<ReturnType<typeof parseNdjson>>;
  try {
    parsed = await parseNdjson(file === '-' ? process.stdin : createReadStream(file));
  } catch (err) {
    io.stderr.write(`travelgate verify: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  if (!parsed.ok) {
    const where = parsed.seq === null ? `line ${parsed.line}` : `seq ${parsed.seq} (line ${parsed.line})`;
    io.stdout.write(`FAILED at ${where}: ${parsed.reason}\n`);
    return 1;
  }

  let records: JournalRecord[] = parsed.records;
  const notes: string[] = [];
  if (parsed.skipped > 0) notes.push(`${parsed.skipped} line(s) or element(s) that are not records (status messages) were skipped`);
  if (parsed.duplicates > 0 || !increasing(records)) {
    records = [...records].sort((a, b) => a.seq - b.seq);
    notes.push(
      `lines not in seq order${parsed.duplicates > 0 ? ` and ${parsed.duplicates} identical duplicate(s) dropped` : ''}: ` +
        'checked in seq order, as a collected stream',
    );
  }

  const result = verifyRecords(records, { publicKeys: keys });
  if (!result.ok) {
    io.stdout.write(`FAILED at ${result.seq === null ? 'the start' : `seq ${result.seq}`}: ${result.reason}\n`);
    for (const n of notes) io.stderr.write(`note: ${n}\n`);
    return 1;
  }
  const first = records[0]!;
  if (first.prevHash !== '') {
    notes.push(`the file starts at seq ${first.seq}, linked to seq ${first.seq - 1} which it does not hold; earlier records were not checked`);
  }
  io.stdout.write(
    `OK: ${result.records} records, seq ${result.firstSeq}..${result.lastSeq}, ${result.seals} seals by key ${result.keyIds.join(', ')}; ` +
      `chain intact, no seq missing, sealed up to seq ${result.sealedSeq}\n`,
  );
  for (const n of notes) io.stderr.write(`note: ${n}\n`);
  return 0;
}

function increasing(records: readonly JournalRecord[]): boolean {
  for (let i = 1; i < records.length; i++) if (records[i]!.seq <= records[i - 1]!.seq) return false;
  return true;
}
