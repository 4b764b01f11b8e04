/**
 * The receiver's inbox: every message is written here before the broker gets its PUBACK.
 *
 * Why: MQTT.js acknowledges a QoS 1 message when its `handleMessage` callback is called, and it
 * hands over the next message only after that, one at a time. Acknowledging only after the store
 * committed would make every message wait for a database transaction. So the message is first
 * committed to this local SQLite file (one small insert, WAL, no fsync), then acknowledged; the
 * store takes messages in batches and the inbox forgets them once the store committed them.
 *
 * Contract:
 * - `add` commits the message before it returns: a receiver killed after the PUBACK (SIGKILL
 *   included) finds the message here when it starts again (`pending`). A power loss of the
 *   receiver's machine may lose the messages of the last moment (synchronous = NORMAL).
 * - Ids increase in arrival order; `done(id)` forgets every message up to it.
 * - Replaying a message the store already committed is harmless: the store drops duplicates.
 * - One inbox per receiver process (its own data folder): it is not shared.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface InboxMessage {
  id: number;
  topic: string;
  payload: string;
  receivedAt: number;
}

export class Inbox {
  readonly #db: Database.Database;
  readonly #add: Database.Statement;
  readonly #done: Database.Statement;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec('CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL)');
    this.#add = this.#db.prepare('INSERT INTO inbox (topic, payload, received_at) VALUES (?, ?, ?)');
    this.#done = this.#db.prepare('DELETE FROM inbox WHERE id <= ?');
  }

  add(topic: string, payload: string, receivedAt: number): InboxMessage {
    const id = Number(this.#add.run(topic, payload, receivedAt).lastInsertRowid);
    return { id, topic, payload, receivedAt };
  }

  /** Messages not yet committed to the store, oldest first. */
  pending(): InboxMessage[] {
    const rows = this.#db.prepare('SELECT id, topic, payload, received_at FROM inbox ORDER BY id').all() as { id: number; topic: string; payload: string; received_at: number }[];
    return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, receivedAt: r.received_at }));
  }

  done(upToId: number): void {
    this.#done.run(upToId);
  }

  close(): void {
    this.#db.close();
  }
}
