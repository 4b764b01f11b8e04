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
 * - A file whose schema version is newer than this code knows is refused the same way.
 * - Read-only opens never create or change anything; the file must exist.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TgError } from '../core/errors.js';

export type SqliteDb = Database.Database;
/** A prepared statement with positional parameters. */
export type Stmt = Database.Statement<unknown[], unknown>;

export const SCHEMA_VERSION = 1;

/** Milliseconds a connection waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * `records.body` is the JSON of the full JournalRecord (hash included) and is what every query
 * returns; the other columns are copies for indexing only. `time` is the record's UTC ms (a
 * reading's or event's own time stamp). Retention deletes a prefix of `seq` and remembers the last
 * deleted record in `meta` (anchor_seq, anchor_hash) so numbering and chain continue after it.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS records (
  seq      INTEGER PRIMARY KEY,
  kind     TEXT    NOT NULL,
  time     INTEGER NOT NULL,
  device   TEXT,
  channel  TEXT,
  standard TEXT,
  body     TEXT    NOT NULL,
  hash     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS records_kind_time ON records (kind, time);
CREATE INDEX IF NOT EXISTS records_kind_device_time ON records (kind, device, time);
CREATE INDEX IF NOT EXISTS records_kind_device_channel_time ON records (kind, device, channel, time);
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
      // auto_vacuum only takes effect before the first table exists; INCREMENTAL lets retention
      // hand freed pages back to the file system in small steps.
      db.pragma('auto_vacuum = INCREMENTAL');
      if (!inMemory) db.pragma('journal_mode = WAL');
      db.exec(DDL);
    }
    // Per connection; this build's default for WAL is NORMAL, so FULL must be asked for.
    db.pragma(`synchronous = ${opts.synchronous}`);
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
  if (Number(version) > SCHEMA_VERSION) {
    throw new TgError(
      'TG_CONFIG_INVALID',
      `journal ${opts.path} has schema version ${version}; this travelgate understands up to ${SCHEMA_VERSION}`,
    );
  }
  if (owner !== opts.gateway) {
    throw new TgError(
      'TG_CONFIG_INVALID',
      `journal ${opts.path} belongs to gateway "${owner}", not "${opts.gateway}"; ` +
        'each gateway needs its own journal file (change gateway.id back or point the journal path elsewhere)',
    );
  }
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
