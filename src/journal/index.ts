/** The journal: SQLite store with group commit, hash chain, sink cursors, retention and queries. */
export { Journal, type JournalOptions, type JournalStats, type CommitListener } from './journal.js';
export type { CommitStats } from './commit-queue.js';
export type { RecentFilter } from './queries.js';
export { SCHEMA_VERSION } from './schema.js';
export type { CommittedRecord } from './stored.js';
export type { TailReader } from './tail.js';
