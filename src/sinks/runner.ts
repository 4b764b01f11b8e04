/**
 * SinkRunner: drains the journal into one sink, from the sink's persisted cursor, on its own.
 *
 * Contract:
 * - The cursor (journal.cursor(name), registered at 0 on first use) is the last seq the sink
 *   confirmed. The runner hands the sink batches in seq order starting after it and moves it only
 *   over what `deliver` confirmed (`upTo`), never further. Records deleted from the journal (the
 *   disk cap's drop_oldest) are skipped by `entries`; the gap event the journal wrote says which.
 * - A batch is sent when `sink.batchSize` records are waiting, or `sink.flushIntervalMs` after the
 *   first of them was seen (0: at once), or sooner, at a commit, when the journal's next commit
 *   (`nextCommitAt`) comes after that deadline: waiting longer would gather nothing, and the send
 *   shares the commit's wake-up instead of waking the process again. Commits wake the runner; it
 *   never polls.
 * - The cursor is registered with the journal's in-memory tail (`tailReader`), so that records
 *   every running sink confirmed leave it at once.
 * - A thrown failure is retried with exponential backoff and jitter (0.5 s doubling to 30 s by
 *   default) from the cursor; a partial confirmation (`SinkError.upTo`) is kept first. Records the
 *   sink rejected for good are journaled as one `sink_quarantine` alarm event per rejection (the
 *   event is committed before the cursor passes them, so a quarantine is never silent) and the
 *   runner goes on.
 * - A confirmation is read strictly: `upTo` beyond the batch counts as the batch's last seq, a
 *   fractional one as the seq below it, and one that is not a number at all (NaN, a string) as a
 *   failed delivery: the cursor never passes a record the sink was not given, and never becomes
 *   something that is not a seq.
 * - The cursor is persisted at most every `cursorPersistMs` (each write is a durable transaction;
 *   at a commit shortly before that when the next commit would come after it) and on stop; after
 *   a crash the sink resends at most that much, which is harmless (sinks are
 *   idempotent or carry seq for deduplication). A cursor write that fails is retried
 *   `cursorPersistMs` later (and on stop) without holding up delivery.
 * - Each runner has its own loop and its own backoff: one sink's outage never slows another sink,
 *   and acquisition only ever waits on the journal, never on a sink.
 * - Batching, backoff and cursor timing use real time (like the journal's group commit: delivery
 *   never waits on a simulated clock); the injected clock only stamps events and measures lag.
 * - `stop(graceMs)` lets a healthy sink forward what was committed before the call for up to
 *   `graceMs`, then aborts the delivery in progress, persists the cursor and closes the sink.
 */
import { timerMs, type Clock } from '../core/clock.js';
import { Backoff } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import type { GatewayEvent, JournalRecord } from '../core/types.js';
import type { CommittedRecord, TailReader } from '../journal/index.js';
import { describeError, SinkError, type Encoded, type Rejection, type Sink, type SinkState, type SinkStatus } from './types.js';

/** The part of the journal a runner uses. */
export interface SinkJournal {
  readonly lastSeq: number;
  /** From the journal's in-memory tail while the sink keeps up, from SQLite when it fell behind. */
  entries(fromSeq: number, limit: number): readonly CommittedRecord[];
  cursor(name: string): number;
  setCursor(name: string, seq: number): void;
  onCommit(listener: () => void): () => void;
  appendEvent(e: GatewayEvent): Promise<unknown>;
  /** Registers the runner's cursor, so that what it passed leaves the journal's in-memory tail. */
  tailReader?(cursor: number): TailReader;
  /** Has `encode` run on every record at commit (Journal.addEncoder). */
  addEncoder?(encode: (r: JournalRecord) => string): (r: CommittedRecord) => Encoded;
  /** When the next commit comes at the earliest (performance.now() ms), so that a flush or a
   *  cursor write can share its wake-up (Journal.nextCommitAt). */
  nextCommitAt?(): number;
}

export interface SinkRunnerOptions {
  journal: SinkJournal;
  clock: Clock;
  log: Logger;
  backoff?: { initialMs: number; maxMs: number };
  /** Minimum time between two cursor writes (default 1000 ms). */
  cursorPersistMs?: number;
}

/** SinkRunnerOptions.cursorPersistMs when not given. */
const CURSOR_PERSIST_MS = 1000;

/** Seqs listed in one quarantine event at most (the count and range are always complete). */
const MAX_LISTED_SEQS = 1000;

export class SinkRunner {
  readonly sink: Sink;
  readonly #o: SinkRunnerOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #controller = new AbortController();
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The loop's current sleep (it sleeps once at a time): what ends it, and what may. */
  #sleeping: { done: () => void; until: WakeOn } | undefined;
  #state: SinkState = 'starting';
  #cursor = 0;
  #persisted = 0;
  #persistedAt = Number.NEGATIVE_INFINITY;
  #persistTimer: NodeJS.Timeout | undefined;
  #delivered = 0;
  #quarantined = 0;
  #lastError: string | null = null;
  #lastErrorAt: number | null = null;
  #failingSince: number | null = null;
  #pendingSince: number | undefined;
  #draining = false;
  /** The sink's encoding of a committed record (made at commit when the journal can). */
  #encoded: ((r: CommittedRecord) => Encoded) | undefined;
  #tailReader: TailReader | undefined;

  constructor(sink: Sink, options: SinkRunnerOptions) {
    this.sink = sink;
    this.#o = options;
    this.#log = options.log.child({ sink: sink.name });
    this.#backoff = new Backoff({ initialMs: options.backoff?.initialMs ?? 500, maxMs: options.backoff?.maxMs ?? 30_000 });
  }

  get name(): string {
    return this.sink.name;
  }

  /** Reads (and registers) the cursor, then drains in the background. */
  start(): void {
    if (this.#loop) return;
    this.#cursor = this.#persisted = this.#o.journal.cursor(this.sink.name);
    const encode = this.sink.encode?.bind(this.sink);
    if (encode) this.#encoded = this.#o.journal.addEncoder?.(encode) ?? ((r) => encode(r.record));
    this.#tailReader = this.#o.journal.tailReader?.(this.#cursor);
    this.#unsubscribe = this.#o.journal.onCommit(() => this.#committed());
    this.#loop = this.#run(this.#controller.signal).catch((err: unknown) => {
      this.#log.error({ error: describeError(err) }, 'sink runner failed');
    });
  }

  async stop(graceMs = 0): Promise<void> {
    if (!this.#loop) {
      await this.sink.close().catch(() => undefined);
      return;
    }
    if (graceMs > 0 && this.#state !== 'retrying' && !this.#controller.signal.aborted) {
      const target = this.#o.journal.lastSeq;
      this.#draining = true;
      this.#wake();
      const deadline = performance.now() + graceMs;
      while (this.#cursor < target && !this.#retrying() && performance.now() < deadline) {
        await new Promise<void>((resolve) => setTimeout(resolve, 20));
      }
    }
    this.#controller.abort();
    this.#wake();
    await this.#loop;
    this.#unsubscribe?.();
    this.#tailReader?.close();
    clearTimeout(this.#persistTimer);
    this.#persist();
    this.#state = 'stopped';
    await this.sink.close().catch((err: unknown) => this.#log.warn({ error: describeError(err) }, 'sink close failed'));
  }

  status(): SinkStatus {
    let pending = 0;
    let lagSeconds = 0;
    try {
      // Caught up: nothing to look up (the tail no longer holds what every sink passed).
      const caughtUp = this.#state === 'stopped' || this.#cursor >= this.#o.journal.lastSeq;
      const oldest = caughtUp ? undefined : this.#o.journal.entries(this.#cursor + 1, 1)[0];
      if (oldest) {
        pending = Math.max(0, this.#o.journal.lastSeq - oldest.seq + 1);
        lagSeconds = Math.max(0, (this.#o.clock.now() - oldest.time) / 1000);
      }
    } catch {
      // the journal closed under us (shutdown): report what we know
    }
    return {
      name: this.sink.name,
      state: this.#state,
      cursor: this.#cursor,
      pending,
      delivered: this.#delivered,
      quarantined: this.#quarantined,
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt === null ? null : new Date(this.#lastErrorAt).toISOString(),
      lagSeconds: Math.round(lagSeconds * 1000) / 1000,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { journal } = this.#o;
    const { batchSize, flushIntervalMs } = this.sink;
    while (!signal.aborted) {
      const waiting = journal.lastSeq - this.#cursor;
      if (waiting <= 0) {
        this.#state = 'idle';
        this.#pendingSince = undefined;
        await this.#sleep(undefined, signal, 'commit');
        continue;
      }
      if (waiting < batchSize && flushIntervalMs > 0 && !this.#draining) {
        this.#pendingSince ??= performance.now();
        const deadline = this.#pendingSince + flushIntervalMs;
        const left = deadline - performance.now();
        // Waiting gathers more only if a commit comes before the deadline: then wait for it and
        // look again; else send now, in the wake-up of the commit that brought these records,
        // instead of waking the process again at the deadline for nothing new. A journal that
        // cannot tell wakes the loop before the deadline only with a full batch.
        const nextCommit = journal.nextCommitAt?.();
        if (left > 0 && (nextCommit === undefined || nextCommit <= deadline)) {
          await this.#sleep(left, signal, nextCommit === undefined ? 'full batch' : 'commit');
          continue;
        }
      }
      const batch = journal.entries(this.#cursor + 1, batchSize);
      if (batch.length === 0) {
        // Everything after the cursor was deleted (drop_oldest): nothing left to confirm.
        this.#advance(journal.lastSeq, 0);
        continue;
      }
      this.#state = 'delivering';
      try {
        const encoded = this.#encoded ? batch.map(this.#encoded) : undefined;
        const result = await untilAborted(this.sink.deliver(batch, signal, encoded), signal);
        const upTo = confirmedUpTo(result?.upTo, batch);
        if (upTo === undefined) throw new Error(`the sink confirmed ${String(result?.upTo)}, which is not a seq`);
        if (result.rejected && result.rejected.length > 0) await this.#quarantine(result.rejected);
        this.#advance(upTo, countUpTo(batch, upTo));
        this.#recovered();
        this.#pendingSince = undefined;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof SinkError && err.upTo !== undefined) {
          const upTo = confirmedUpTo(err.upTo, batch);
          if (upTo !== undefined) this.#advance(upTo, countUpTo(batch, upTo));
        }
        this.#failed(err);
        await this.#sleep(this.#backoff.next(), signal, 'stop');
      }
    }
  }

  #retrying(): boolean {
    return this.#state === 'retrying';
  }

  #advance(upTo: number, count: number): void {
    if (upTo <= this.#cursor) return;
    this.#cursor = Math.min(upTo, this.#o.journal.lastSeq);
    this.#tailReader?.passed(this.#cursor);
    this.#delivered += count;
    const due = this.#persistedAt + this.#persistEveryMs - performance.now();
    if (due <= 0) this.#persist();
    else this.#persistTimer ??= setTimeout(() => this.#persist(), timerMs(due)).unref();
  }

  /**
   * In a commit's wake-up: persists the cursor now if it will be due before the next commit, so
   * that its timer need not wake the process on its own (a little early is harmless: the interval
   * only bounds how often the cursor is written).
   */
  #persistBeforeDue(): void {
    if (this.#persistTimer === undefined) return;
    const next = this.#o.journal.nextCommitAt?.();
    if (next !== undefined && next >= this.#persistedAt + this.#persistEveryMs) this.#persist();
  }

  get #persistEveryMs(): number {
    return this.#o.cursorPersistMs ?? CURSOR_PERSIST_MS;
  }

  #persist(): void {
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
    if (this.#cursor === this.#persisted) return;
    try {
      this.#o.journal.setCursor(this.sink.name, this.#cursor);
      this.#persisted = this.#cursor;
      this.#persistedAt = performance.now();
    } catch (err) {
      this.#log.warn({ error: describeError(err) }, 'could not persist the sink cursor; it will be retried');
      // Retried on its own: a sink that is idle now would otherwise keep it unwritten until stop.
      if (!this.#controller.signal.aborted) this.#persistTimer = setTimeout(() => this.#persist(), timerMs(this.#persistEveryMs)).unref();
    }
  }

  async #quarantine(rejected: Rejection[]): Promise<void> {
    for (const r of rejected) {
      if (r.seqs.length === 0) continue;
      const seqs = [...r.seqs].sort((a, b) => a - b);
      const first = seqs[0]!;
      const last = seqs[seqs.length - 1]!;
      const range = first === last ? `seq ${first}` : `seqs ${first}..${last}`;
      const event: GatewayEvent = {
        type: 'sink_quarantine',
        severity: 'alarm',
        time: this.#o.clock.now(),
        message: `${this.sink.name} refused ${seqs.length} record(s) for good (${range}); quarantined: ${r.reason}`,
        data: { sink: this.sink.name, count: seqs.length, firstSeq: first, lastSeq: last, seqs: seqs.slice(0, MAX_LISTED_SEQS), reason: r.reason },
      };
      // Committed before the cursor passes these records: the quarantine is never silent.
      await this.#o.journal.appendEvent(event);
      this.#quarantined += seqs.length;
      this.#log.error({ count: seqs.length, firstSeq: first, lastSeq: last, reason: r.reason }, 'records quarantined');
    }
  }

  #failed(err: unknown): void {
    const message = describeError(err);
    const now = this.#o.clock.now();
    if (this.#failingSince === null) {
      this.#failingSince = now;
      this.#log.warn({ error: message }, 'sink delivery failed; retrying with backoff');
    } else {
      this.#log.debug({ error: message, attempts: this.#backoff.attempts }, 'sink delivery failed again');
    }
    this.#lastError = message;
    this.#lastErrorAt = now;
    this.#state = 'retrying';
  }

  #recovered(): void {
    this.#backoff.reset();
    if (this.#failingSince !== null) {
      this.#log.info({ afterMs: this.#o.clock.now() - this.#failingSince }, 'sink delivering again');
      this.#failingSince = null;
      this.#lastError = null; // lastErrorAt stays: when the last failure was
    }
  }

  /**
   * Sleeps `ms` (undefined: until woken); never rejects. `until` says what else ends it: a commit, a commit that
   * fills a batch, or only stop() and draining. Nothing is registered per sleep but the timer:
   * stop() aborts the loop's signal and then wakes it (`#wake`), so no abort listener is needed,
   * and a long-lived Set or listener list that grew and shrank at every commit would have its
   * tables reallocated each time, and promoted.
   */
  #sleep(ms: number | undefined, signal: AbortSignal, until: WakeOn): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.#sleeping?.done === done) this.#sleeping = undefined;
        resolve();
      };
      this.#sleeping = { done, until };
      // A wake-up that comes early (a delay beyond what one timer holds) only makes the loop look again.
      if (ms !== undefined) timer = setTimeout(done, timerMs(ms));
    });
  }

  /** A commit: wakes a sleep that waits for one, or for a full batch once there is one. */
  #committed(): void {
    this.#persistBeforeDue();
    const s = this.#sleeping;
    if (s === undefined || s.until === 'stop') return;
    if (s.until === 'commit' || this.#o.journal.lastSeq - this.#cursor >= this.sink.batchSize) s.done();
  }

  /** stop() or draining: ends any sleep (a backoff's too, once the signal aborted or while draining). */
  #wake(): void {
    const s = this.#sleeping;
    if (s === undefined) return;
    if (s.until !== 'stop' || this.#controller.signal.aborted || this.#draining) s.done();
  }
}

/** What, besides its timer, ends a sleep of the loop (stop() always does). */
type WakeOn = 'commit' | 'full batch' | 'stop';

/** A sink that ignores its signal must not hold up stop(): stop waiting when the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}

/** The seq a confirmation moves the cursor to, within the batch; undefined when it is not one. */
function confirmedUpTo(upTo: unknown, batch: readonly CommittedRecord[]): number | undefined {
  if (typeof upTo !== 'number' || Number.isNaN(upTo)) return undefined;
  return Math.min(Math.floor(upTo), batch[batch.length - 1]!.seq);
}

function countUpTo(batch: readonly CommittedRecord[], upTo: number): number {
  let n = 0;
  for (const r of batch) if (r.seq <= upTo) n++;
  return n;
}
