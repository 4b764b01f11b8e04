/**
 * The seal scheduler: signs the journal's chain head with the gateway's Ed25519 key.
 *
 * Contract:
 * - A seal is journaled when records that no seal covers have committed, as soon as either
 *   `everyRecords` (default 1000) of them have committed or `intervalMs` (default 1 s) has passed
 *   since the first of them committed, whichever comes first. No new records, no seal.
 * - A seal covers every record before it: the journal builds it inside the commit with the exact
 *   head it follows (`Journal.appendSeal`), so records committed in the same batch before the seal
 *   are covered and any after it count towards the next seal. Any seal record resets the count.
 * - One seal is in flight at a time. A seal that fails (journal full, ...) is logged and retried on
 *   the next trigger; it never throws into the journal.
 * - `start()`: when the journal's last record is not a seal (a gateway killed before its final seal),
 *   the tail is sealed within `intervalMs`.
 * - `stop()`: flushes the journal, then journals a final seal when anything is unsealed, and stops.
 *   Call it after the last record of the run was appended and before the journal closes; an
 *   export of a cleanly stopped gateway then ends with a seal.
 * - Time: the interval is measured with the injected Clock's `sleep` (FakeClock in tests).
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { GatewayEvent, JournalRecord } from '../core/types.js';
import { keyIdOf, sealRecord } from './seal.js';

/** The part of the journal the sealer uses. */
export interface SealableJournal {
  readonly gateway: string;
  readonly lab: string;
  readonly lastSeq: number;
  record(seq: number): JournalRecord | undefined;
  appendSeal(build: (head: { seq: number; hash: string }) => GatewayEvent): Promise<JournalRecord>;
  onCommit(listener: (records: readonly { readonly kind: string }[]) => void): () => void;
  flush(): Promise<void>;
}

export interface SealerOptions {
  journal: SealableJournal;
  privateKey: KeyObject;
  clock: Clock;
  log: Logger;
  /** Seal once this many records are unsealed (default 1000). */
  everyRecords?: number;
  /** Seal this long after the first unsealed record committed (default 1000 ms). */
  intervalMs?: number;
}

export interface SealerStatus {
  keyId: string;
  /** Seals journaled by this sealer since start. */
  seals: number;
  /** Seq of the last seal journaled and the head it signs, if any. */
  lastSealSeq: number | null;
  lastHeadSeq: number | null;
  /** Committed records no seal covers yet. */
  unsealed: number;
}

export class Sealer {
  readonly #o: SealerOptions;
  readonly #keyId: string;
  readonly #every: number;
  readonly #intervalMs: number;
  #unsealed = 0;
  #timer: AbortController | undefined;
  #inflight: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopping = false;
  #seals = 0;
  #last: { seq: number; headSeq: number } | undefined;

  constructor(options: SealerOptions) {
    const every = options.everyRecords ?? 1000;
    const interval = options.intervalMs ?? 1000;
    if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`everyRecords must be ≥ 1, got ${every}`);
    if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`intervalMs must be ≥ 0, got ${interval}`);
    this.#o = options;
    this.#every = every;
    this.#intervalMs = interval;
    this.#keyId = keyIdOf(options.privateKey);
  }

  get keyId(): string {
    return this.#keyId;
  }

  status(): SealerStatus {
    return {
      keyId: this.#keyId,
      seals: this.#seals,
      lastSealSeq: this.#last?.seq ?? null,
      lastHeadSeq: this.#last?.headSeq ?? null,
      unsealed: this.#unsealed,
    };
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#stopping = false;
    this.#unsubscribe = this.#o.journal.onCommit((records) => this.#committed(records));
    const { journal } = this.#o;
    const last = journal.lastSeq > 0 ? journal.record(journal.lastSeq) : undefined;
    if (last && last.kind !== 'seal') {
      // How many are unsealed is unknown without a scan; one is enough to arm the timer.
      this.#unsealed = Math.max(this.#unsealed, 1);
      this.#o.log.info({ lastSeq: last.seq }, 'the journal ends with unsealed records; sealing them');
      this.#arm();
    }
  }

  /** Final seal (if anything is unsealed), then stop. Never rejects. */
  async stop(): Promise<void> {
    if (!this.#unsubscribe) return;
    this.#stopping = true;
    this.#disarm();
    await this.#inflight;
    try {
      await this.#o.journal.flush();
    } catch (err) {
      this.#o.log.error({ err }, 'journal flush before the final seal failed');
    }
    if (this.#unsealed > 0) await this.#seal();
    this.#unsubscribe();
    this.#unsubscribe = undefined;
  }

  #committed(records: readonly { readonly kind: string }[]): void {
    for (const r of records) {
      if (r.kind === 'seal') this.#unsealed = 0;
      else this.#unsealed++;
    }
    if (this.#stopping) return; // stop() decides about the final seal
    if (this.#unsealed >= this.#every) this.#sealSoon();
    else if (this.#unsealed > 0) this.#arm();
    else this.#disarm();
  }

  /** Seal now unless one is in flight (its completion re-checks). */
  #sealSoon(): void {
    if (this.#inflight || this.#stopping) return;
    this.#disarm();
    this.#inflight = this.#seal().finally(() => {
      this.#inflight = undefined;
      if (this.#stopping) return;
      if (this.#unsealed >= this.#every) this.#sealSoon();
      else if (this.#unsealed > 0) this.#arm();
    });
  }

  #arm(): void {
    if (this.#timer || this.#inflight || this.#stopping) return;
    const timer = new AbortController();
    this.#timer = timer;
    this.#o.clock.sleep(this.#intervalMs, timer.signal).then(
      () => {
        if (this.#timer !== timer) return;
        this.#timer = undefined;
        if (this.#unsealed > 0) this.#sealSoon();
      },
      () => undefined, // disarmed
    );
  }

  #disarm(): void {
    this.#timer?.abort();
    this.#timer = undefined;
  }

  /** Journal one seal over the head it follows. Never rejects: failures are logged. */
  async #seal(): Promise<void> {
    const { journal, privateKey, clock } = this.#o;
    try {
      const record = await journal.appendSeal((head) => {
        if (head.seq < 1) throw new Error('nothing to seal: the journal is empty');
        const unhashed = sealRecord({
          seq: head.seq + 1,
          time: clock.now(),
          gateway: journal.gateway,
          lab: journal.lab,
          head,
          privateKey,
          keyId: this.#keyId,
        });
        return unhashed.event;
      });
      this.#seals++;
      this.#last = { seq: record.seq, headSeq: record.seq - 1 };
      this.#o.log.debug({ seq: record.seq, keyId: this.#keyId }, 'chain head sealed');
    } catch (err) {
      this.#o.log.error({ err }, 'could not journal a seal; retrying on the next trigger');
    }
  }
}
