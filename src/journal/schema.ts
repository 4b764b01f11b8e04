/**
 * The journal's SQLite file: connection settings, schema and the `meta` table.
 *
 * Contract:
 * - `openJournalDb` creates the folder and the schema when they are missing, switches the file to
 *   WAL, sets `synchronous` (FULL unless told otherwise: an acknowledged reading must survive power
 *   loss; with WAL, NORMAL only risks the last commits, never corruption) and a busy timeout.
 * - A journal belongs to one gateway: `meta.gateway` is written when the file is created and a
 *   journal written by another gateway id is refused with TG_CONFIG_INVALID (merging two chains
 *   into one file would break both the numbering and the hash chain).
 * - A file whose schema version is newer than this code knows is refused the same way. A version 1
 *   file (one row per value) is converted in place when opened read-write (migrate-v1.ts). A
 *   version 2 file (every body whole) is read as it is and marked version 3 when opened read-write:
 *   version 3 only adds short acquisition bodies (compact-body.ts), which a version 2 reader would
 *   hand out as if they were whole.
 * - Read-only opens never create or change anything; the file must exist.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TgError } from '../core/errors.js';
import { AcquisitionBodies } from './compact-body.js';
import { migrateFromV1 } from './migrate-v1.js';

export type SqliteDb = Database.Database;
/** A prepared statement with positional parameters. */
export type Stmt = Database.Statement<unknown[], unknown>;

/** 3: acquisition bodies without the envelope their row and chain give back (compact-body.ts);
 *  2: one record per acquisition, canonical bodies, binary hashes; 1: one JSON row per value. */
export const SCHEMA_VERSION = 3;
/** The oldest version read without conversion (its rows are valid version 3 rows). */
const READABLE_AS_IS = 2;

/** Page size of a new journal file. */
export const PAGE_SIZE = 16_384;
/** SQLite's page cache per connection, KiB (64 pages of PAGE_SIZE). */
const PAGE_CACHE_KIB = 1024;

/** Milliseconds a connection waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * `records.body` is the record's canonical form without its hash (the exact bytes that were
 * hashed), for an acquisition without the envelope that its row, `meta` and the record before it
 * give back (compact-body.ts), and `records.hash` the raw 32-byte SHA-256 of the whole form:
 * nothing is stored twice, and the record as exported or sent is `recordJson(body, hex(hash))`. `kind` is KIND_CODE (1 acquisition, 2 event,
 * 3 seal); `time` is the record's UTC ms and `device` the acquisition's (or the event's) device,
 * copies for the two partial indexes: acquisitions by device and time, events and seals by time.
 * Retention deletes a prefix of `seq` and remembers the last deleted record in `meta` (anchor_seq,
 * anchor_hash) so numbering and chain continue after it.
 */
export const RECORDS_DDL = `
CREATE TABLE IF NOT EXISTS records (
  seq    INTEGER PRIMARY KEY,
  kind   INTEGER NOT NULL,
  time   INTEGER NOT NULL,
  device TEXT,
  body   TEXT    NOT NULL,
  hash   BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS records_acquisitions ON records (device, time) WHERE kind = 1;
CREATE INDEX IF NOT EXISTS records_events ON records (time) WHERE kind <> 1;
`;

const DDL = `${RECORDS_DDL}
CREATE TABLE IF NOT EXISTS cursors (
  name       TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface OpenDbOptions {
  path: string;
  gateway: string;
  lab: string;
  synchronous: 'FULL' | 'NORMAL';
  readonly: boolean;
  /** UTC ms written as meta.created_at for a new file. */
  now: number;
}

export function openJournalDb(opts: OpenDbOptions): SqliteDb {
  const inMemory = opts.path === ':memory:';
  if (!inMemory && !opts.readonly) mkdirSync(dirname(opts.path), { recursive: true });
  if (opts.readonly && !inMemory && !existsSync(opts.path)) {
    throw new TgError('TG_CONFIG_INVALID', `journal ${opts.path} does not exist`);
  }
  const db = new Database(opts.path, { readonly: opts.readonly, fileMustExist: opts.readonly });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      // Both only take effect before the first table exists. INCREMENTAL lets retention hand
      // freed pages back to the file system in small steps. 16 KiB pages hold about 30 records
      // each instead of 7, with about 10 % less slack per record on disk. Each commit rewrites
      // whole pages (the table's last leaf, one index leaf per device): 4 KiB pages write a third
      // as much per commit with ten slow devices, but cost W1 a fifth of its rate (README).
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('auto_vacuum = INCREMENTAL');
      if (!inMemory) db.pragma('journal_mode = WAL');
      // A version 1 journal is converted before anything else touches its tables.
      if (readVersion(db) === 1) {
        checkOwner(db, opts); // never convert another gateway's journal
        migrateFromV1(db, RECORDS_DDL, SCHEMA_VERSION);
      }
      db.exec(DDL);
    }
    // Per connection; this build's default for WAL is NORMAL, so FULL must be asked for.
    db.pragma(`synchronous = ${opts.synchronous}`);
    // Per connection: better-sqlite3 builds SQLite with a 16 MB page cache, which an append-only
    // journal fills with pages it wrote once and reads again only when a sink falls behind its
    // in-memory tail (the file system's cache serves those too), so the process grew by up to
    // 16 MB as the journal did. Appends touch a few pages at the right edge of each B-tree.
    db.pragma(`cache_size = ${-PAGE_CACHE_KIB}`);
    checkMeta(db, opts);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function checkMeta(db: SqliteDb, opts: OpenDbOptions): void {
  const get = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
  const version = get.get('schema_version');
  const owner = get.get('gateway');
  if (version === undefined || owner === undefined) {
    if (opts.readonly) {
      throw new TgError('TG_CONFIG_INVALID', `journal ${opts.path} is not a travelgate journal (no meta)`);
    }
    const put = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      put.run('schema_version', String(SCHEMA_VERSION));
      put.run('gateway', opts.gateway);
      put.run('lab', opts.lab);
      put.run('created_at', String(opts.now));
    }).immediate();
    // Another process may have won the race to create the file: check what is there now.
    return checkMeta(db, { ...opts, readonly: true });
  }
  if (Number(version) < READABLE_AS_IS) {
    throw new TgError(
      'TG_CONFIG_INVALID',
      `journal ${opts.path} has schema version ${version}; open it once read-write with this travelgate to convert it`,
    );
  }
  if (Number(version) > SCHEMA_VERSION) {
    throw new TgError(
      'TG_CONFIG_INVALID',
      `journal ${opts.path} has schema version ${version}; this travelgate understands up to ${SCHEMA_VERSION}`,
    );
  }
  checkOwner(db, opts);
  if (Number(version) < SCHEMA_VERSION && !opts.readonly) writeMeta(db, 'schema_version', String(SCHEMA_VERSION));
}

function checkOwner(db: SqliteDb, opts: OpenDbOptions): void {
  const owner = readMeta(db, 'gateway');
  if (owner !== undefined && owner !== opts.gateway) {
    throw new TgError(
      'TG_CONFIG_INVALID',
      `journal ${opts.path} belongs to gateway "${owner}", not "${opts.gateway}"; ` +
        'each gateway needs its own journal file (change gateway.id back or point the journal path elsewhere)',
    );
  }
}

function readVersion(db: SqliteDb): number | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const v = readMeta(db, 'schema_version');
  return v === undefined ? undefined : Number(v);
}

/** How acquisitions are stored short and made whole again, with the gateway and lab the file
 *  was created for (what its records carry; the configuration's lab may have changed since). */
export function journalBodies(db: SqliteDb): AcquisitionBodies {
  return new AcquisitionBodies(readMeta(db, 'gateway') ?? '', readMeta(db, 'lab') ?? '');
}

export function readMeta(db: SqliteDb, key: string): string | undefined {
  return db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck().get(key);
}

export function writeMeta(db: SqliteDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}
