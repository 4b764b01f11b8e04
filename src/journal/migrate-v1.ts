/**
 * Converting a version 1 journal (travelgate 0.1: one JSON row per channel value, hex hashes
 * inside and beside the body) to the current table in place, inside one transaction.
 *
 * Contract:
 * - Every record is kept exactly as it was hashed: the body becomes the canonical form of the
 *   stored record without its `hash`, the hash its raw bytes. A record whose stored hash does not
 *   match its content is kept as it is (with the stored hash), so verification still points at it.
 * - Seq, chain, cursors, meta (anchor included) are unchanged; the schema version becomes the
 *   current one. A failure rolls everything back and leaves the version 1 file as it was.
 * - Version 1 reading records keep kind `reading` in their body and are stored as acquisitions
 *   (KIND_CODE 1), which is how every reader sees them (src/core/records.ts).
 */
import type Database from 'better-sqlite3';
import { canonicalJson } from '../integrity/canonical.js';
import { KIND_CODE } from './records.js';

const PAGE = 10_000;
const CODE_OF: Record<string, number> = { reading: KIND_CODE.acquisition, event: KIND_CODE.event, seal: KIND_CODE.seal };

export function migrateFromV1(db: Database.Database, recordsDdl: string, version: number): void {
  db.transaction(() => {
    db.exec('ALTER TABLE records RENAME TO records_v1');
    for (const index of ['records_kind_time', 'records_kind_device_time', 'records_kind_device_channel_time']) {
      db.exec(`DROP INDEX IF EXISTS ${index}`);
    }
    db.exec(recordsDdl);
    const page = db.prepare('SELECT seq, body FROM records_v1 WHERE seq > ? ORDER BY seq LIMIT ?');
    const insert = db.prepare('INSERT INTO records (seq, kind, time, device, body, hash) VALUES (?, ?, ?, ?, ?, ?)');
    let after = -1;
    for (;;) {
      const rows = page.all(after, PAGE) as { seq: number; body: string }[];
      for (const row of rows) {
        const record = JSON.parse(row.body) as Record<string, unknown>;
        const hash = String(record.hash ?? '');
        delete record.hash;
        const reading = record.reading as { device?: string } | undefined;
        const event = record.event as { device?: string } | undefined;
        const device = reading?.device ?? event?.device ?? null;
        const code = CODE_OF[String(record.kind)] ?? KIND_CODE.event;
        insert.run(row.seq, code, record.time, device, canonicalJson(record), Buffer.from(hash, 'hex'));
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.seq;
    }
    db.exec('DROP TABLE records_v1');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(version));
  }).immediate();
}
