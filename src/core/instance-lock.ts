/**
 * One gateway per journal: a second `travelgate run` on the same data folder is refused before it
 * touches the journal (two writers would number records twice: `UNIQUE constraint failed`).
 *
 * Contract:
 * - `acquireInstanceLock(path)` takes an exclusive lock on the file `path` (created if missing) and
 *   returns its release function; if another process holds it, it throws TgError
 *   TG_ALREADY_RUNNING at once (no waiting).
 * - The lock is an OS file lock (SQLite's own, on a small lock database next to the journal): the
 *   kernel releases it when the process ends, however it ends (SIGKILL, power loss), so a crashed
 *   gateway never leaves a stale lock behind, and no PID is guessed at (in a container every
 *   gateway is PID 1). Within one process a second lock on the same path is refused as well.
 * - The lock file holds nothing; deleting it while a gateway runs defeats the lock, so don't.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TgError } from './errors.js';

export function acquireInstanceLock(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (err) {
    throw new TgError('TG_CONFIG_INVALID', `cannot create the lock file ${path}: ${(err as Error).message}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock, and in EXCLUSIVE locking mode it is kept after the
    // commit until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started TEXT); DELETE FROM holder;');
    db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new TgError('TG_ALREADY_RUNNING', `${path} is locked by another travelgate process`);
    }
    throw new TgError('TG_CONFIG_INVALID', `cannot lock ${path}: ${(err as Error).message}`);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    db.close();
  };
}
