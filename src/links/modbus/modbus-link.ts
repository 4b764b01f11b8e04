import { timerMs, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { Backoff } from '../../core/backoff.js';
import { TgError, isAbort } from '../../core/errors.js';
import { Lock } from '../lock.js';
import type {
  LinkState,
  LinkStatus,
  RegisterFunction,
  RegisterIO,
  RegisterLink,
  RegisterReadResult,
  RegisterUnitStatus,
} from '../types.js';
import { UnitBreakers, type BreakerOptions, type CircuitBreaker } from './circuit-breaker.js';
import { ModbusExceptionError } from './errors.js';
import type { ModbusSession, ModbusTransport } from './transports.js';

export interface ModbusLinkOptions {
  id: string;
  type: 'modbus-rtu' | 'modbus-tcp';
  transport: ModbusTransport;
  /** Silence between the end of one transaction and the next request, ms. */
  interFrameDelayMs: number;
  breaker: BreakerOptions;
  reconnect: { initial: number; max: number };
  clock: Clock;
  log: Logger;
}

/**
 * A Modbus master on one bus (RTU) or one connection (TCP). It owns the connection and reopens it
 * with backoff until close(). One lock serialises every unit id on the bus; each request has its
 * own timeout, waits the inter-frame delay after the previous transaction, and passes its unit's
 * circuit breaker first. A request in flight when the connection drops fails with TG_LINK_CLOSED.
 *
 * Resynchronisation: after a malformed reply (TG_PARSE_ERROR) or a timeout on a session whose
 * framing only a new connection can restore (Modbus TCP, see transports.ts), the link drops the
 * session and reconnects at once, without backoff; requests made meanwhile wait for the new
 * session (up to their own timeout) instead of failing. A connection that then cannot be
 * reopened falls back to the ordinary backoff. RTU sessions resynchronise by themselves (every
 * request starts from a clean buffer and frames by CRC).
 */
export class ModbusLink implements RegisterLink {
  readonly kind = 'registers' as const;
  readonly id: string;
  generation = 0;

  private state: LinkState = 'down';
  private session: ModbusSession | undefined;
  private inflight: InFlight | undefined;
  /**
   * One timer for every transaction's reply timeout, pushed out to each new request's deadline
   * (`refresh()`, no new timer) and re-armed when it fires before the deadline of the one in
   * flight: not a setTimeout and a clearTimeout per request, which at hundreds of requests a second
   * were a visible share of the CPU, and not a timer that fires once a timeout after the first
   * request whatever came since, which woke an otherwise idle process once a timeout per link.
   */
  private replyTimer: NodeJS.Timeout | undefined;
  /** The delay the reply timer was set with (refresh() keeps it). */
  private replyTimerMs = 0;
  /** Signals this link listens to for an abort: one listener per signal, not one per request. */
  private readonly abortListened = new WeakSet<AbortSignal>();
  private connectWaiters: (() => void)[] = [];
  private readonly lock = new Lock();
  private readonly backoff: Backoff;
  private readonly breakers: UnitBreakers;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private reconnects = 0;
  private lastError: string | undefined;
  private lastFrameEnd = -Infinity;
  /** Set while a session dropped to resynchronise is being replaced (no backoff). */
  private resyncing = false;
  private resyncWaiters = new Set<() => void>();
  /** Sessions dropped to resynchronise since start. */
  resyncs = 0;

  constructor(private readonly opts: ModbusLinkOptions) {
    this.id = opts.id;
    this.backoff = new Backoff({ initialMs: opts.reconnect.initial, maxMs: opts.reconnect.max });
    this.breakers = new UnitBreakers(opts.breaker, () => opts.clock.monotonic());
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort(new TgError('TG_ABORTED', 'link closed'));
    this.session?.destroy();
    await this.loop;
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    this.state = 'closed';
  }

  status(): LinkStatus {
    return {
      id: this.id,
      type: this.opts.type,
      state: this.state,
      address: this.opts.transport.address(),
      reconnects: this.reconnects,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  units(): RegisterUnitStatus[] {
    return this.breakers.entries().map(([unit, b]) => ({
      unit,
      breaker: b.current,
      consecutiveFailures: b.consecutiveFailures,
      requests: b.requests,
      failures: b.failures,
    }));
  }

  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const drop = () => (this.connectWaiters = this.connectWaiters.filter((w) => w !== done));
      const timer = setTimeout(() => {
        drop();
        reject(new TgError('TG_LINK_DOWN', `${this.opts.transport.address()}${this.lastError ? ` (${this.lastError})` : ''}`));
      }, timerMs(timeoutMs));
      const onAbort = () => {
        clearTimeout(timer);
        drop();
        reject(new TgError('TG_ABORTED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.connectWaiters.push(done);
    });
  }

  exclusive<T>(fn: (io: RegisterIO) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.lock.run(() => fn(this.io), signal);
  }

  private readonly io: RegisterIO = {
    readRegisters: (unit, fc, address, count, timeoutMs, signal) => this.readRegisters(unit, fc, address, count, timeoutMs, signal),
  };

  private async readRegisters(
    unit: number,
    fc: RegisterFunction,
    address: number,
    count: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RegisterReadResult> {
    if (!Number.isInteger(unit) || unit < 0 || unit > 255) throw new RangeError(`unit id ${unit} out of 0..255`);
    if (!Number.isInteger(count) || count < 1 || count > 125) throw new RangeError(`register count ${count} out of 1..125`);
    if (!Number.isInteger(address) || address < 0 || address + count > 65536) throw new RangeError(`register address ${address} out of range`);
    if (signal?.aborted) throw new TgError('TG_ABORTED');
    const breaker = this.breakers.for(unit);
    if (breaker.admit() === 'reject') {
      throw new TgError('TG_CIRCUIT_OPEN', `unit ${unit} on ${this.opts.transport.address()}: next probe in ${Math.ceil(breaker.waitMs())} ms`);
    }
    try {
      const result = await this.transact(unit, fc, address, count, timeoutMs, signal);
      breaker.success();
      return result;
    } catch (err) {
      this.judge(breaker, err);
      const code = err instanceof TgError ? err.code : undefined;
      const session = this.session;
      if (session?.resyncByReconnect && (code === 'TG_PARSE_ERROR' || code === 'TG_LINK_TIMEOUT')) {
        this.resync(session, (err as Error).message);
      }
      throw err;
    } finally {
      this.lastFrameEnd = this.opts.clock.monotonic();
    }
  }

  private judge(breaker: CircuitBreaker, err: unknown): void {
    const code = err instanceof TgError ? err.code : undefined;
    if (code === 'TG_MODBUS_EXCEPTION') breaker.success();
    else if (code === 'TG_LINK_TIMEOUT' || code === 'TG_PARSE_ERROR') breaker.failure();
    else breaker.neutral();
  }

  private async transact(
    unit: number,
    fc: RegisterFunction,
    address: number,
    count: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RegisterReadResult> {
    const gap = this.lastFrameEnd + this.opts.interFrameDelayMs - this.opts.clock.monotonic();
    if (gap > 0) await this.opts.clock.sleep(gap, signal).catch(() => Promise.reject(new TgError('TG_ABORTED')));
    // A session dropped to resynchronise comes back at once: wait for it rather than fail.
    if (this.state !== 'connected' && this.resyncing) await this.waitResync(timeoutMs, signal);
    const session = this.session;
    if (this.state !== 'connected' || !session) throw new TgError('TG_LINK_DOWN', this.opts.transport.address());
    if (signal?.aborted) throw new TgError('TG_ABORTED');
    const clock = this.opts.clock;
    return new Promise<RegisterReadResult>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (this.inflight === transaction) this.inflight = undefined;
        fn();
      };
      const fail = (err: Error) => finish(() => reject(err));
      const transaction: InFlight = {
        fail,
        deadline: performance.now() + timeoutMs,
        signal,
        timedOut: () => {
          const noise = session.noise();
          const where = `${this.opts.transport.address()}`;
          // Bytes came, but no frame: the unit (or the line) is garbling, not silent.
          if (noise > 0) fail(new TgError('TG_PARSE_ERROR', `unit ${unit}: no valid reply within ${timeoutMs} ms on ${where} (${noise} bytes that are not a Modbus frame)`));
          else fail(new TgError('TG_LINK_TIMEOUT', `unit ${unit}: no reply within ${timeoutMs} ms on ${where}`));
        },
      };
      this.inflight = transaction;
      this.armReplyTimer(transaction.deadline);
      if (signal) this.listenForAbort(signal);
      const sentAt = clock.now();
      // modbus-serial's own timeout stays off (null): this promise owns the timeout, and a reply
      // arriving after it calls back into a settled promise, which ignores it.
      const callback = (err: (Error & { modbusCode?: number; name?: string }) | null, res?: { data: number[] }) => {
        if (err) return fail(toTgError(err, unit, this.opts.transport.address()));
        const receivedAt = clock.now();
        const registers = res?.data ?? [];
        if (registers.length !== count) return fail(new TgError('TG_PARSE_ERROR', `unit ${unit}: ${registers.length} registers, expected ${count}`));
        finish(() => resolve({ registers, sentAt, receivedAt }));
      };
      try {
        if (fc === 3) session.client.writeFC3(unit, address, count, callback as never);
        else session.client.writeFC4(unit, address, count, callback as never);
      } catch (err) {
        fail(new TgError('TG_LINK_CLOSED', err instanceof Error ? err.message : String(err)));
      }
    });
  }

  /** Sets the reply timer for `deadline` (performance.now() ms), the deadline of the transaction
   *  now in flight. */
  private armReplyTimer(deadline: number): void {
    const ms = timerMs(deadline - performance.now());
    if (this.replyTimer !== undefined && ms === this.replyTimerMs) {
      this.replyTimer.refresh();
      return;
    }
    clearTimeout(this.replyTimer);
    this.replyTimerMs = ms;
    this.replyTimer = setTimeout(this.onReplyTimer, ms);
  }

  /** The transaction in flight, if any, times out when its deadline has come, else the timer waits on. */
  private readonly onReplyTimer = (): void => {
    const transaction = this.inflight;
    if (!transaction) return;
    if (performance.now() >= transaction.deadline) transaction.timedOut();
    else this.armReplyTimer(transaction.deadline);
  };

  private listenForAbort(signal: AbortSignal): void {
    if (this.abortListened.has(signal)) return;
    this.abortListened.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        const transaction = this.inflight;
        if (transaction?.signal === signal) transaction.fail(new TgError('TG_ABORTED'));
      },
      { once: true },
    );
  }

  /** Drops `session` to find the frame boundary again on a new connection (see the class comment). */
  private resync(session: ModbusSession, reason: string): void {
    if (this.session !== session || this.stopping.signal.aborted) return;
    this.resyncs++;
    this.resyncing = true;
    this.opts.log.debug({ link: this.id, reason }, 'modbus session dropped to resynchronise');
    // No request may go out on the old session while its close is under way.
    this.session = undefined;
    this.state = 'connecting';
    session.destroy();
  }

  private endResync(): void {
    this.resyncing = false;
    for (const w of [...this.resyncWaiters]) w();
  }

  /** Resolves when the resynchronising reconnect succeeded or failed, or after `timeoutMs`. */
  private waitResync(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.resyncWaiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const waiter = () => done();
      const onAbort = () => done(new TgError('TG_ABORTED'));
      const timer = setTimeout(waiter, timerMs(timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.resyncWaiters.add(waiter);
    });
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      this.state = 'connecting';
      try {
        const session = await this.opts.transport.open(signal);
        await this.serve(session, signal);
      } catch (err) {
        if (!isAbort(err)) this.lastError = err instanceof Error ? err.message : String(err);
        this.endResync(); // the reconnect itself failed: back off as after any drop
      }
      this.state = 'down';
      if (signal.aborted) break;
      if (this.resyncing) {
        this.reconnects++;
        continue;
      }
      const delay = this.backoff.next();
      this.opts.log.warn({ link: this.id, error: this.lastError, retryInMs: Math.round(delay) }, 'link down');
      await this.opts.clock.sleep(delay, signal).catch(() => undefined);
      this.reconnects++;
    }
  }

  /** Carries one opened session until its connection closes (or the link is closed). */
  private async serve(session: ModbusSession, signal: AbortSignal): Promise<void> {
    this.session = session;
    this.generation++;
    this.state = 'connected';
    this.lastError = undefined;
    const resynced = this.resyncing;
    this.endResync();
    this.backoff.reset();
    if (resynced) this.opts.log.debug({ link: this.id, address: this.opts.transport.address() }, 'link reconnected after a resynchronisation');
    else this.opts.log.info({ link: this.id, address: this.opts.transport.address() }, 'link connected');
    for (const waiter of this.connectWaiters.splice(0)) waiter();
    let onAbort = () => {};
    const aborted = new Promise<string>((resolve) => {
      onAbort = () => resolve('link closed');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const reason = await Promise.race([session.closed, aborted]);
    signal.removeEventListener('abort', onAbort);
    this.lastError = signal.aborted ? undefined : reason;
    this.session = undefined;
    this.state = 'down';
    session.destroy();
    this.inflight?.fail(new TgError('TG_LINK_CLOSED', reason));
  }
}

/** A transaction waiting for its reply. */
interface InFlight {
  fail(err: Error): void;
  /** Fails it as a timeout (TG_LINK_TIMEOUT, or TG_PARSE_ERROR when only noise came). */
  timedOut(): void;
  /** performance.now() ms by which the reply must have come. */
  deadline: number;
  signal: AbortSignal | undefined;
}

/** Maps modbus-serial's errors onto the catalogue. */
function toTgError(err: Error & { modbusCode?: number; name?: string }, unit: number, address: string): TgError {
  if (typeof err.modbusCode === 'number') return new ModbusExceptionError(err.modbusCode, unit);
  if (err.name === 'PortNotOpenError') return new TgError('TG_LINK_DOWN', address);
  if (/CRC|length|Unexpected data/i.test(err.message)) return new TgError('TG_PARSE_ERROR', `unit ${unit}: ${err.message}`);
  return new TgError('TG_LINK_CLOSED', `unit ${unit}: ${err.message}`);
}
