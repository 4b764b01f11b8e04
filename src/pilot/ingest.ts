/**
 * From received messages to the store: the arrival checks, then one store transaction per batch.
 *
 * Contract:
 * - `push(message)` takes a message already committed to the inbox. Messages are applied in
 *   batches of at most `maxBatch`, at most `lingerMs` after the first of a batch arrived, one
 *   transaction at a time, in arrival order; after a batch committed the inbox forgets it.
 * - `start()` first applies what the inbox still holds (a receiver killed before its last batch
 *   committed), so nothing acknowledged to the broker is lost and nothing is counted twice.
 * - A failed transaction (the database unreachable) is retried with backoff (0.5 s doubling to
 *   30 s) with the same messages; nothing is dropped and nothing moves on until it commits.
 * - `whenRoom()` resolves while fewer than `highWater` messages wait: the MQTT side waits for it
 *   before acknowledging more, so a slow database slows the broker, not the memory.
 * - Records kept apart are logged as alarms (warn) with gateway, seq and reason; `onBatch` hears
 *   every committed batch's outcome (the API's live counters, the benchmark).
 */
import type { Logger } from '../core/logger.js';
import type { ArrivalChecker } from './arrival.js';
import type { Inbox, InboxMessage } from './inbox.js';
import type { PilotStore, StatusRow } from './store/types.js';
import type { Arrival, RejectedRow } from './types.js';
import { applyBatch, type BatchOutcome } from './verify/chain.js';

export interface IngestOptions {
  store: PilotStore;
  checker: ArrivalChecker;
  inbox: Inbox;
  log: Logger;
  lingerMs: number;
  maxBatch: number;
  highWater?: number;
  /** Gateways whose status messages are kept. */
  gateways: ReadonlySet<string>;
  now?: () => number;
  onBatch?: (outcome: BatchOutcome, committedAt: number) => void;
}

export class Ingestor {
  readonly #o: IngestOptions;
  readonly #queue: InboxMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #room: (() => void)[] = [];
  readonly #now: () => number;
  /** Totals since start, for the log and the API. */
  readonly totals = { messages: 0, inserted: 0, duplicates: 0, rejected: 0, batches: 0, failures: 0 };

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Applies what the inbox held when the receiver stopped; resolves once it is committed. */
  async start(): Promise<void> {
    const left = this.#o.inbox.pending();
    if (left.length > 0) this.#o.log.info({ messages: left.length }, 'applying messages left in the inbox');
    for (const m of left) this.#queue.push(m);
    while (this.#queue.length > 0) await this.#flush();
  }

  push(message: InboxMessage): void {
    this.#queue.push(message);
    if (this.#queue.length >= this.#o.maxBatch) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), this.#o.lingerMs);
  }

  whenRoom(): Promise<void> {
    if (this.#queue.length < (this.#o.highWater ?? 50_000)) return Promise.resolve();
    return new Promise((resolve) => this.#room.push(resolve));
  }

  /** Commits what is queued, then stops taking batches. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    while (this.#queue.length > 0) await this.#flush();
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running || this.#stopped) return;
    this.#running = (async () => {
      while (this.#queue.length > 0 && !this.#stopped) await this.#flush();
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.slice(0, this.#o.maxBatch);
    if (batch.length === 0) return;
    const arrivals: Arrival[] = [];
    const rejected: RejectedRow[] = [];
    const statuses: StatusRow[] = [];
    for (const m of batch) {
      if (m.topic.endsWith('/status')) {
        const s = statusOf(m, this.#o.gateways);
        if (s) statuses.push(s);
        continue;
      }
      for (const c of this.#o.checker.checkMessage(m.topic, m.payload, m.receivedAt)) {
        if (c.ok) arrivals.push(c.arrival);
        else rejected.push(c.rejected);
      }
    }
    const recheck = (body: string) => {
      const [c] = this.#o.checker.checkMessage('', body, this.#now());
      return c?.ok ? c.arrival : undefined;
    };
    let delay = 500;
    for (;;) {
      try {
        const outcome = await this.#o.store.transaction((tx) => applyBatch(tx, { arrivals, rejected, statuses, now: this.#now(), recheck }));
        this.#committed(batch, outcome);
        return;
      } catch (err) {
        this.totals.failures++;
        this.#o.log.error({ err, messages: batch.length, retryInMs: delay }, 'store transaction failed; retrying the batch');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  #committed(batch: InboxMessage[], outcome: BatchOutcome): void {
    this.#queue.splice(0, batch.length);
    this.#o.inbox.done(batch[batch.length - 1]!.id);
    const t = this.totals;
    t.messages += batch.length;
    t.inserted += outcome.inserted;
    t.duplicates += outcome.duplicates;
    t.rejected += outcome.rejected.length;
    t.batches++;
    for (const r of outcome.rejected) {
      this.#o.log.warn({ alarm: 'record_rejected', gateway: r.gateway, seq: r.seq, lab: r.lab, code: r.code, reason: r.reason }, `record kept apart: ${r.reason}`);
    }
    this.#o.onBatch?.(outcome, this.#now());
    while (this.#room.length > 0 && this.#queue.length < (this.#o.highWater ?? 50_000)) this.#room.shift()!();
  }
}

function statusOf(m: InboxMessage, gateways: ReadonlySet<string>): StatusRow | undefined {
  try {
    const s = JSON.parse(m.payload) as { gateway?: unknown; state?: unknown; time?: unknown };
    if (typeof s.gateway !== 'string' || !gateways.has(s.gateway) || typeof s.state !== 'string') return undefined;
    const time = typeof s.time === 'string' ? Date.parse(s.time) : typeof s.time === 'number' ? s.time : Number.NaN;
    return Number.isFinite(time) ? { gateway: s.gateway, state: s.state, time, receivedAt: m.receivedAt } : undefined;
  } catch {
    return undefined;
  }
}
