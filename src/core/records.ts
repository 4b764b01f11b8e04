/**
 * Reading records: the views that readers of the journal (checks replay, API, metrics, sinks)
 * take of a record, whatever its format version.
 *
 * Contract:
 * - `acquisitionOf(record)` is the record's acquisition: the record itself for version 2, a
 *   one-channel acquisition for a version 1 reading record, undefined for events and seals.
 * - `readingsOf(record)` lists the acquisition's channels as readings (device, channel, time, the
 *   channel's value, unit, u, flags, extra and the checks' annotations), in channel-name order.
 * - Neither copies more than it must: the returned objects share arrays with the record, so a
 *   caller must not mutate them.
 */
import type { Acquisition, ChannelReading, JournalRecord, Reading, ReadingAnnotations } from './types.js';

/** One channel of a committed record, with the record's seq. */
export interface RecordReading extends Reading, ReadingAnnotations {
  seq: number;
}

export function acquisitionOf(record: JournalRecord): Acquisition | undefined {
  if (record.kind === 'acquisition') return record;
  if (record.kind !== 'reading') return undefined;
  const r = record.reading;
  const channel: ChannelReading = { quantity: r.quantity, value: r.value, unit: r.unit };
  if (r.u !== undefined) channel.u = r.u;
  if (r.flags.length > 0) channel.flags = r.flags;
  if (r.extra !== undefined) channel.extra = r.extra;
  if (record.standard !== undefined) channel.standard = record.standard;
  if (record.verdicts !== undefined) channel.verdicts = record.verdicts;
  if (record.verified !== undefined) channel.verified = record.verified;
  return { device: r.device, time: r.time, clock: record.clock ?? 'unknown', channels: { [r.channel]: channel } };
}

/** One channel of an acquisition as a reading. */
export function channelReading(acq: Acquisition, channel: string, c: ChannelReading): Reading & ReadingAnnotations {
  const reading: Reading & ReadingAnnotations = {
    device: acq.device,
    channel,
    quantity: c.quantity,
    value: c.value,
    unit: c.unit,
    time: acq.time,
    flags: c.flags ?? [],
  };
  if (c.u !== undefined) reading.u = c.u;
  if (c.extra !== undefined) reading.extra = c.extra;
  if (c.standard !== undefined) reading.standard = c.standard;
  if (c.verdicts !== undefined) reading.verdicts = c.verdicts;
  if (c.verified !== undefined) reading.verified = c.verified;
  return reading;
}

/** The record's channels as readings (none for events and seals); `channel` keeps just that one. */
export function readingsOf(record: JournalRecord, channel?: string): RecordReading[] {
  const acq = acquisitionOf(record);
  if (!acq) return [];
  const out: RecordReading[] = [];
  for (const name of Object.keys(acq.channels).sort()) {
    if (channel !== undefined && name !== channel) continue;
    out.push({ seq: record.seq, ...channelReading(acq, name, acq.channels[name]!) });
  }
  return out;
}
