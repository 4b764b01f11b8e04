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
  /** The canonical body (what was hashed). */
  readonly body: string;
  /** The same body as UTF-8, when the record keeps it so (committed records in the tail). */
  readonly bodyBytes?: Buffer | undefined;
  /** SHA-256 of `body`, lowercase hex. */
  readonly hash: string;
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
  /** The canonical body, as text or as UTF-8 bytes (how the journal keeps what it committed). */
  #text: string | undefined;
  #bytes: Buffer | undefined;
  /** What the journal's encoders made of the record at commit, by encoder slot, as UTF-8. */
  encoded: (Buffer | undefined)[] | undefined;

  constructor(
    readonly seq: number,
    readonly kind: RecordKind,
    readonly time: number,
    /**
     * The canonical body without the hash (what was hashed). The journal hands over what it
     * commits as bytes, outside the V8 heap: the tail keeps a record for a second or more, and a
     * kilobyte of text per record would be copied by young-generation collections (a commit of
     * a few hundred records allocates more than the young generation holds), promoted, and die
     * old; the text made for the hash is garbage before the next collection instead.
     */
    body: string | Buffer,
    readonly hash: string,
    record?: JournalRecord,
  ) {
    if (typeof body === 'string') this.#text = body;
    else this.#bytes = body;
    this.#record = record;
  }

  /** The canonical body without the hash (what was hashed). */
  get body(): string {
    return this.#text ?? this.#bytes!.toString('utf8');
  }

  /** The body as UTF-8 when it is kept so (what the MQTT sink copies as it is). */
  get bodyBytes(): Buffer | undefined {
    return this.#bytes;
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
   * tail is the bytes and the hash: no object graph for the collector to walk or promote.
   */
  release(): void {
    this.#record = undefined;
  }

  /** Approximate memory it holds, for the tail's byte bound. */
  get size(): number {
    let n = (this.#text !== undefined ? 2 * this.#text.length : this.#bytes!.length) + 160;
    for (const e of this.encoded ?? []) n += e?.length ?? 0;
    return n;
  }
}
