/**
 * Persisted sink cursors: the highest seq each sink has confirmed as delivered.
 *
 * Contract:
 * - `get(name)` returns the stored seq, and registers the sink at 0 when it has no cursor yet: a
 *   sink that has read its cursor holds back retention from then on, so nothing it has not
 *   delivered can be deleted between its start and its first confirmation.
 * - `set(name, seq)` stores `seq` (0 ≤ seq ≤ the journal's lastSeq; a sink may move back to resend).
 *   It is its own small transaction, durable like a record.
 * - `remove(name)` forgets a sink that is no longer configured, so it stops holding back retention.
 * - `min()` is the smallest registered cursor, or null when no sink is registered.
 */
import type { SqliteDb, Stmt } from './schema.js';

export class CursorStore {
  readonly #get: Stmt;
  readonly #register: Stmt;
  readonly #set: Stmt;
  readonly #remove: Stmt;
  readonly #min: Stmt;
  readonly #all: Stmt;

  constructor(db: SqliteDb, private readonly now: () => number) {
    this.#get = db.prepare('SELECT seq FROM cursors WHERE name = ?').pluck();
    this.#register = db.prepare('INSERT OR IGNORE INTO cursors (name, seq, updated_at) VALUES (?, 0, ?)');
    this.#set = db.prepare(
      'INSERT INTO cursors (name, seq, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at',
    );
    this.#remove = db.prepare('DELETE FROM cursors WHERE name = ?');
    this.#min = db.prepare('SELECT MIN(seq) FROM cursors').pluck();
    this.#all = db.prepare('SELECT name, seq, updated_at AS updatedAt FROM cursors ORDER BY name');
  }

  get(name: string): number {
    checkName(name);
    const seq = this.#get.get(name) as number | undefined;
    if (seq !== undefined) return seq;
    this.#register.run(name, Math.round(this.now()));
    return 0;
  }

  set(name: string, seq: number, lastSeq: number): void {
    checkName(name);
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > lastSeq) {
      throw new RangeError(`cursor ${name}: seq must be an integer in 0..${lastSeq} (the last committed seq), got ${seq}`);
    }
    this.#set.run(name, seq, Math.round(this.now()));
  }

  remove(name: string): boolean {
    return this.#remove.run(name).changes > 0;
  }

  min(): number | null {
    return (this.#min.get() as number | null | undefined) ?? null;
  }

  all(): { name: string; seq: number; updatedAt: number }[] {
    return this.#all.all() as { name: string; seq: number; updatedAt: number }[];
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a cursor name is a non-empty string');
}
