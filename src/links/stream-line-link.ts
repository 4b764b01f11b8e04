import type { Duplex } from 'node:stream';
import { timerMs, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Backoff } from '../core/backoff.js';
import { TgError, isAbort } from '../core/errors.js';
import { Lock } from './lock.js';
import { TERMINATOR_TEXT, type Terminator } from './config.js';
import type { LineIO, LineLink, LinkState, LinkStatus, QueryResult, ReceivedLine } from './types.js';

export interface StreamLineLinkOptions {
  id: string;
  type: string;
  writeTerminator: Terminator;
  readTerminator: Terminator;
  reconnect: { initial: number; max: number };
  clock: Clock;
  log: Logger;
}

/** Lines kept when nobody reads (a streaming sensor with no reader); older ones are dropped. */
const MAX_QUEUED_LINES = 1000;
/** ... and at most this many characters in all. */
const MAX_QUEUED_CHARS = 1024 * 1024;
/** A line longer than this (binary noise, wrong baud rate, wrong terminator) is dropped whole. */
export const MAX_LINE_CHARS = 64 * 1024;
/** How long a dropped stream may take to release its socket or port before we reopen anyway. */
const RELEASE_TIMEOUT_MS = 2000;

/**
 * Splits latin1 text on one terminator. Synchronous on purpose: a line is delivered in the same
 * tick its bytes arrive, before the stream's 'close', and a partial line is never flushed as a
 * line when the stream ends (a piped ReadlineParser does both wrong: it flushes the torn tail on
 * 'end' and may emit lines after the stream closed).
 *
 * Bounded whatever arrives: a partial line is kept as a list of chunks (each chunk is searched
 * once, so a device trickling bytes without a terminator costs linear time), and a line that
 * grows beyond `maxLine` characters is dropped whole: its bytes so far are released at once and
 * the rest of it, up to the next terminator, is skipped (counted in `dropped`), so its tail is
 * never taken for a line of its own.
 */
export class LineSplitter {
  private parts: string[] = [];
  private length = 0;
  private skipping = false;
  /** Lines dropped for being too long. */
  dropped = 0;

  constructor(
    private readonly delimiter: string,
    private readonly maxLine = MAX_LINE_CHARS,
  ) {}

  /** Characters held in the partial line now (at most maxLine plus the delimiter's length - 1). */
  get buffered(): number {
    return this.length;
  }

  push(chunk: string): string[] {
    const d = this.delimiter;
    let text = chunk;
    // A delimiter split across chunks (the CR of a CRLF ends the last one): search from its start.
    if (d.length > 1 && this.length > 0) {
      const carry = this.takeTail(d.length - 1);
      text = carry + text;
    }
    const lines: string[] = [];
    let start = 0;
    for (let at = text.indexOf(d); at >= 0; at = text.indexOf(d, start)) {
      const piece = text.slice(start, at);
      start = at + d.length;
      const total = this.length + piece.length;
      if (this.skipping || total > this.maxLine) {
        if (!this.skipping) this.dropped++;
        this.skipping = false;
      } else {
        lines.push(this.length === 0 ? piece : this.parts.join('') + piece);
      }
      this.parts = [];
      this.length = 0;
    }
    if (start < text.length) this.hold(text.slice(start));
    return lines;
  }

  clear(): void {
    this.parts = [];
    this.length = 0;
    this.skipping = false;
  }

  private hold(rest: string): void {
    // A partial line may end with the start of a split delimiter (the CR of a CRLF).
    if (!this.skipping && this.length + rest.length > this.maxLine + this.delimiter.length - 1) {
      this.dropped++;
      this.skipping = true;
    }
    if (this.skipping) {
      // Only what could be the start of a split delimiter is kept.
      this.parts = [];
      this.length = 0;
      const keep = rest.slice(-(this.delimiter.length - 1) || rest.length);
      if (this.delimiter.length > 1 && keep.length > 0) {
        this.parts.push(keep);
        this.length = keep.length;
      }
      return;
    }
    this.parts.push(rest);
    this.length += rest.length;
  }

  /** Removes and returns the last `n` characters of the partial line (without joining it all). */
  private takeTail(n: number): string {
    let tail = '';
    while (tail.length < n && this.parts.length > 0) {
      const last = this.parts.pop()!;
      const need = n - tail.length;
      if (last.length <= need) {
        tail = last + tail;
        this.length -= last.length;
      } else {
        tail = last.slice(-need) + tail;
        this.parts.push(last.slice(0, last.length - need));
        this.length -= need;
      }
    }
    return tail;
  }
}

/**
 * A line-oriented link over any byte stream (a serial port, a TCP socket). It owns the
 * connection: it opens the stream, splits input into lines, and when the stream ends or errors it
 * reopens it with exponential backoff and jitter until `close()`. Reads and writes in flight fail
 * at once with TG_LINK_CLOSED when the stream drops, so the device loop can retry after the
 * reconnect. `status().reconnects` counts reopen attempts after a drop or a failed open.
 *
 * Logging: the first failure after a good period is a warning; further failed retries are debug
 * lines until the link connects again (then one info line).
 */
export abstract class StreamLineLink implements LineLink {
  readonly kind = 'line' as const;
  readonly id: string;
  generation = 0;

  private state: LinkState = 'down';
  private stream: Duplex | undefined;
  private splitter: LineSplitter;
  private queue: ReceivedLine[] = [];
  private queuedChars = 0;
  private readers: { resolve: (l: ReceivedLine) => void; reject: (e: Error) => void }[] = [];
  /** Rejecters of writes whose callback has not come yet. */
  private writes = new Set<(e: Error) => void>();
  private connectWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  private readonly lock = new Lock();
  private readonly backoff: Backoff;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private reconnects = 0;
  private lastError: string | undefined;
  /** Set once the current outage was logged at warn level; cleared on connect. */
  private outageLogged = false;

  protected constructor(protected readonly opts: StreamLineLinkOptions) {
    this.id = opts.id;
    this.backoff = new Backoff({ initialMs: opts.reconnect.initial, maxMs: opts.reconnect.max });
    this.splitter = new LineSplitter(TERMINATOR_TEXT[opts.readTerminator]);
  }

  /** Opens the underlying stream; resolves once it can carry bytes. */
  protected abstract open(signal: AbortSignal): Promise<Duplex>;
  abstract address(): string;

  start(): void {
    if (!this.loop && !this.stopping.signal.aborted) this.loop = this.run();
  }

  /** Stops reconnecting, drops the stream and waits until its socket or port is released. */
  async close(): Promise<void> {
    this.stopping.abort(new TgError('TG_ABORTED', 'link closed'));
    for (const w of [...this.connectWaiters]) w.reject(new TgError('TG_LINK_DOWN', `${this.address()} (link closed)`));
    await this.loop;
    this.state = 'closed';
    this.failPending(new TgError('TG_LINK_CLOSED', `${this.address()} (link closed)`));
  }

  status(): LinkStatus {
    return {
      id: this.id,
      type: this.opts.type,
      state: this.state,
      address: this.address(),
      reconnects: this.reconnects,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new TgError('TG_ABORTED'));
    if (this.stopping.signal.aborted) return Promise.reject(new TgError('TG_LINK_DOWN', `${this.address()} (link closed)`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (e: Error) => {
          cleanup();
          reject(e);
        },
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.connectWaiters.delete(waiter);
      };
      const timer = setTimeout(
        () => waiter.reject(new TgError('TG_LINK_DOWN', `${this.address()}${this.lastError ? ` (${this.lastError})` : ''}`)),
        timerMs(timeoutMs),
      );
      const onAbort = () => waiter.reject(new TgError('TG_ABORTED'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.connectWaiters.add(waiter);
    });
  }

  exclusive<T>(fn: (io: LineIO) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.lock.run(() => fn(this.io), signal);
  }

  private readonly io: LineIO = {
    write: (text) => this.write(text),
    readLine: (timeoutMs, signal) => this.readLine(timeoutMs, signal),
    query: async (command, timeoutMs, signal): Promise<QueryResult> => {
      this.discardInput();
      const sentAt = this.opts.clock.now();
      await this.write(command);
      const reply = await this.readLine(timeoutMs, signal);
      return { line: reply.line, sentAt, receivedAt: reply.at };
    },
    discardInput: () => this.discardInput(),
  };

  /** Drops queued lines and a partial line: anything received before now is stale. */
  private discardInput(): void {
    this.queue = [];
    this.queuedChars = 0;
    this.splitter.clear();
  }

  /** What the link holds of the input now: each part is bounded (see the constants above). */
  inputBacklog(): { lines: number; chars: number; partial: number; dropped: number } {
    return { lines: this.queue.length, chars: this.queuedChars, partial: this.splitter.buffered, dropped: this.splitter.dropped };
  }

  private write(text: string): Promise<void> {
    const stream = this.stream;
    if (this.state !== 'connected' || !stream) return Promise.reject(new TgError('TG_LINK_DOWN', this.address()));
    const data = text + TERMINATOR_TEXT[this.opts.writeTerminator];
    return new Promise((resolve, reject) => {
      // A write whose callback never comes (a port that vanished mid-write) must not hold the
      // device's lock forever: it is rejected with the other pending operations on a drop.
      const fail = (e: Error) => {
        this.writes.delete(fail);
        reject(e);
      };
      this.writes.add(fail);
      stream.write(data, 'latin1', (err) => {
        this.writes.delete(fail);
        if (err) reject(new TgError('TG_LINK_CLOSED', `${this.address()}: ${err.message}`));
        else resolve();
      });
    });
  }

  private readLine(timeoutMs: number, signal?: AbortSignal): Promise<ReceivedLine> {
    if (signal?.aborted) return Promise.reject(new TgError('TG_ABORTED'));
    const queued = this.queue.shift();
    if (queued) {
      this.queuedChars -= queued.line.length;
      return Promise.resolve(queued);
    }
    if (this.state !== 'connected') return Promise.reject(new TgError('TG_LINK_DOWN', this.address()));
    return new Promise((resolve, reject) => {
      const reader = {
        resolve: (l: ReceivedLine) => {
          cleanup();
          resolve(l);
        },
        reject: (e: Error) => {
          cleanup();
          reject(e);
        },
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.readers = this.readers.filter((r) => r !== reader);
      };
      const timer = setTimeout(
        () => reader.reject(new TgError('TG_LINK_TIMEOUT', `no reply within ${timeoutMs} ms on ${this.address()}`)),
        timerMs(timeoutMs),
      );
      const onAbort = () => reader.reject(new TgError('TG_ABORTED'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readers.push(reader);
    });
  }

  /** A trailing CR (CRLF replies on LF framing) and a leading LF (CRLF replies on CR framing) are stripped. */
  private onLine(raw: string): void {
    const line = raw.replace(/\r$/, '').replace(/^\n/, '');
    if (line.length === 0) return;
    const received = { line, at: this.opts.clock.now() };
    const reader = this.readers.shift();
    if (reader) return reader.resolve(received);
    this.queue.push(received);
    this.queuedChars += line.length;
    while (this.queue.length > MAX_QUEUED_LINES || (this.queuedChars > MAX_QUEUED_CHARS && this.queue.length > 1)) {
      this.queuedChars -= this.queue.shift()!.line.length;
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      this.state = 'connecting';
      try {
        const stream = await this.open(signal);
        await this.serve(stream, signal);
      } catch (err) {
        if (!isAbort(err)) this.lastError = err instanceof Error ? err.message : String(err);
      }
      this.state = 'down';
      this.failPending(new TgError('TG_LINK_CLOSED', `${this.address()}${this.lastError ? ` (${this.lastError})` : ''}`));
      if (signal.aborted) break;
      const delay = this.backoff.next();
      const fields = { link: this.id, address: this.address(), error: this.lastError, retryInMs: Math.round(delay) };
      if (this.outageLogged) this.opts.log.debug(fields, 'link down');
      else this.opts.log.warn(fields, 'link down');
      this.outageLogged = true;
      await this.opts.clock.sleep(delay, signal).catch(() => undefined);
      if (!signal.aborted) this.reconnects++;
    }
    this.state = 'closed';
  }

  /**
   * Carries one opened stream until it ends, errors, or the link closes. Resolves only after the
   * stream released its socket or port (bounded by RELEASE_TIMEOUT_MS): a serial port is opened
   * with an exclusive lock, so reopening before the old descriptor is closed would fail.
   */
  private serve(stream: Duplex, signal: AbortSignal): Promise<void> {
    const released = new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
    });
    // Kept for the stream's whole life: streams may emit 'error' after 'close' or twice (serialport
    // reports a failed write both as 'error' and as a disconnect 'close'; a socket may get EPIPE
    // after the peer's FIN). An unheard 'error' would crash the process.
    stream.on('error', (err: Error) => finish(err));

    let finished = false;
    let resolveServe!: () => void;
    const served = new Promise<void>((resolve) => (resolveServe = resolve));
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      for (const line of this.splitter.push(text)) this.onLine(line);
    };
    const onAbort = () => finish();
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      stream.off('data', onData);
      this.stream = undefined;
      this.state = 'down';
      if (err) this.lastError = err.message;
      else if (!signal.aborted) this.lastError = 'closed by peer';
      this.failPending(new TgError('TG_LINK_CLOSED', `${this.address()} (${this.lastError ?? 'closed'})`));
      stream.destroy();
      const timer = setTimeout(() => resolveServe(), RELEASE_TIMEOUT_MS);
      void released.then(() => {
        clearTimeout(timer);
        resolveServe();
      });
    };

    if (signal.aborted) {
      finish();
      return served;
    }
    this.stream = stream;
    this.discardInput();
    this.generation++;
    this.state = 'connected';
    this.lastError = undefined;
    this.outageLogged = false;
    this.backoff.reset();
    this.opts.log.info({ link: this.id, address: this.address(), generation: this.generation }, 'link connected');
    for (const w of [...this.connectWaiters]) w.resolve();

    signal.addEventListener('abort', onAbort, { once: true });
    // serialport passes its disconnect error as the 'close' argument.
    stream.once('close', (err?: unknown) => finish(err instanceof Error ? err : undefined));
    stream.once('end', () => finish());
    stream.on('data', onData);
    return served;
  }

  private failPending(err: Error): void {
    for (const r of this.readers.splice(0)) r.reject(err);
    for (const w of [...this.writes]) w(err);
  }
}
