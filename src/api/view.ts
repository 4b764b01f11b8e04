import type { DeviceStatus } from '../acquisition/device-status.js';
import type { LifecycleState } from '../checks/lifecycle.js';
import type { ActionResult } from '../checks/pipeline.js';
import type { StandardDetail, StandardSummary } from '../checks/summary.js';
import type { RecordReading } from '../core/records.js';
import type { JournalRecord } from '../core/types.js';
import type { LinkStatus } from '../links/types.js';
import type { DiskCapStats } from '../journal/disk-cap.js';
import type { SinkStatus } from '../sinks/types.js';
import type { SeriesSource } from './series.js';

/** What the journal offers the API: reads only. */
export interface JournalReader {
  /** Channel readings newest first. */
  recentReadings(q: { device?: string; channel?: string; since?: number; limit: number }): RecordReading[];
  stats(): { records: number; firstSeq: number | null; lastSeq: number; sizeBytes: number };
  /** Committed records from `fromSeq` in seq order (event-stream replay). */
  range?(fromSeq: number, limit: number): JournalRecord[];
  /** One committed record (sink lag: the time of the oldest undelivered record). */
  record?(seq: number): JournalRecord | undefined;
  /** Events and seals, newest first (the status page's timeline). */
  recentEvents?(q: { since?: number; limit: number; seals?: boolean }): JournalRecord[];
  /** Each sink's cursor: the last seq it confirmed. */
  cursors?(): { name: string; seq: number; updatedAt: number }[];
  /** The size cap's state and counters, or null without a cap. */
  capStats?(): DiskCapStats | null;
}

/** Called after each committed journal batch, in commit order. Must not mutate or block. */
export type CommitSubscriber = (records: readonly JournalRecord[]) => void;

/**
 * The API's whole view of a running gateway: the journal and the live state of acquisition.
 * It never reaches into a driver or a sink.
 */
export interface GatewayView {
  info(): { gateway: string; lab: string; comparison?: string; version: string; startedAt: string };
  isReady(): boolean;
  devices(): DeviceStatus[];
  links(): LinkStatus[];
  journal(): JournalReader | undefined;
  /** Subscribe to committed records (event stream, metrics); returns the unsubscribe function. */
  subscribe?(listener: CommitSubscriber): () => void;
  /** The travelling standards and their checks (absent: a gateway without checks). */
  standards?(): StandardSummary[];
  standard?(id: string): StandardDetail | undefined;
  /** An operator's lifecycle transition / alarm resolution, journaled with `by` (the token's name). */
  transition?(id: string, to: LifecycleState, note: string | undefined, by: string): Promise<ActionResult>;
  resolveAlarms?(id: string, note: string | undefined, by: string): Promise<ActionResult>;
  /** Each configured sink's delivery state (never a URL or a secret). */
  sinks?(): SinkStatus[];
  /** A channel's readings over any range, read from the journal file (history, CSV export);
   *  undefined while the journal is closed. */
  series?(): SeriesSource | undefined;

}
