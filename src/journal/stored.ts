/**
 * A committed record as the journal hands it to sinks, export and the API: its seq, kind and
 * time at once, its JSON (the bytes export and MQTT carry) and the record object, each made only
 * when first asked for. A record committed by this process carries the object it was built from;
 * one read back from SQLite is parsed only if a reader wants the object (MQTT and export never do).
 */
import type { JournalRecord, RecordKind } from '../core/types.js';
import { recordJson } from '../integrity/canonical.js';
import { KIND_CODE } from './records.js';

export interface CommittedRecord {
  readonly seq: number;
  /** Version 1 reading records count as acquisitions here; `record.kind` tells them apart. */
  readonly kind: RecordKind;
  /** UTC ms. */
  readonly time: number;
  /** `{"hash":"…",` + the canonical body: what export writes and the platform receives. */
  readonly json: string;
  readonly record: JournalRecord;
}

const KIND_OF: Record<number, RecordKind> = { [KIND_CODE.acquisition]: 'acquisition', [KIND_CODE.event]: 'event', [KIND_CODE.seal]: 'seal' };

export function kindOfCode(code: number): RecordKind {
  return KIND_OF[code] ?? 'event';
}

export class StoredRecord implements CommittedRecord {
  #record: JournalRecord | undefined;
  /** What the journal's encoders made of the record at commit, by encoder slot. */
  encoded: (string | undefined)[] | undefined;

  constructor(
    readonly seq: number,
    readonly kind: RecordKind,
    readonly time: number,
    /** The canonical body without the hash (what was hashed). */
    readonly body: string,
    readonly hash: string,
    record?: JournalRecord,
  ) {
    this.#record = record;
  }

  get json(): string {
    return recordJson(this.body, this.hash);
  }

  /** The object it was built from while the commit is under way; parsed from `json` after. */
  get record(): JournalRecord {
    return this.#record ?? (JSON.parse(this.json) as JournalRecord);
  }

  /**
   * Drops the object (the journal calls it once the commit's listeners ran). What stays in the
   * tail is the bytes: strings without pointers, so a second of records costs the collector
   * almost nothing to keep, where their object graphs would be promoted and die old.
   */
  release(): void {
    this.#record = undefined;
  }

  /** Approximate memory it holds, for the tail's byte bound. */
  get size(): number {
    let n = 2 * this.body.length + 160;
    for (const e of this.encoded ?? []) n += 2 * (e?.length ?? 0);
    return n;
  }
}
