import type { DeviceStatus } from '../acquisition/device-status.js';
import type { JournalRecord } from '../core/types.js';
import type { LinkStatus } from '../links/types.js';

/** What the journal offers the API: reads only. */
export interface JournalReader {
  recentReadings(q: { device?: string; channel?: string; since?: number; limit: number }): JournalRecord[];
  stats(): { records: number; firstSeq: number | null; lastSeq: number; sizeBytes: number };
}

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

}
