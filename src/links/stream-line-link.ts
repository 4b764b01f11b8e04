import type { Duplex } from 'node:stream';
import { ReadlineParser } from '@serialport/parser-readline';
import type { Clock } from '../core/clock.js';
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

/**
 * A line-oriented link over any byte stream (a serial port, a TCP socket). It owns the
 * connection: it opens the stream, splits input into lines, and when the stream ends or errors it
 * reopens it with exponential backoff and jitter until `close()`. Pending reads fail fast with
 * TG_LINK_CLOSED when the stream drops, so the device loop can retry after the reconnect.
 */
export abstract class StreamLineLink implements LineLink {
  readonly kind = 'line' as const;
  readonly id: string;
  generation = 0;

  private state: LinkState = 'down';
  private stream: Duplex | undefined;
  private queue: ReceivedLine[] = [];
  private readers: { resolve: (l: ReceivedLine) => void; reject: (e: Error) => void }[] = [];
  private connectWaiters: (() => void)[] = [];
  private readonly lock = new Lock();
  private readonly backoff: Backoff;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private reconnects = 0;
  private lastError: string | undefined;

  protected constructor(protected readonly opts: StreamLineLinkOptions) {
    this.id = opts.id;
    this.backoff = new Backoff({ initialMs: opts.reconnect.initial, maxMs: opts.reconnect.max });
  }

  /** Opens the underlying stream; resolves once it can carry bytes. */
  protected abstract open(signal: AbortSignal): Promise<Duplex>;
  abstract address(): string;

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort(new TgError('TG_ABORTED', 'link closed'));
    this.stream?.destroy();
    await this.loop;
    this.state = 'closed';
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
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectWaiters = this.connectWaiters.filter((w) => w !== done);
        reject(new TgError('TG_LINK_DOWN', `${this.address()}${this.lastError ? ` (${this.lastError})` : ''}`));
      }, timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.connectWaiters = this.connectWaiters.filter((w) => w !== done);
        reject(new TgError('TG_ABORTED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.connectWaiters.push(done);
    });
  }

  exclusive<T>(fn: (io: LineIO) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.lock.run(() => fn(this.io), signal);
  }

  private readonly io: LineIO = {
    write: (text) => this.write(text),
    readLine: (timeoutMs, signal) => this.readLine(timeoutMs, signal),
    query: async (command, timeoutMs, signal): Promise<QueryResult> => {
      this.queue = [];
      const sentAt = this.opts.clock.now();
      await this.write(command);
      const reply = await this.readLine(timeoutMs, signal);
      return { line: reply.line, sentAt, receivedAt: reply.at };
    },
    discardInput: () => {
      this.queue = [];
    },
  };

  private write(text: string): Promise<void> {
    const stream = this.stream;
    if (this.state !== 'connected' || !stream) return Promise.reject(new TgError('TG_LINK_DOWN', this.address()));
    const data = text + TERMINATOR_TEXT[this.opts.writeTerminator];
    return new Promise((resolve, reject) => {
      stream.write(data, 'latin1', (err) => (err ? reject(new TgError('TG_LINK_CLOSED', err.message)) : resolve()));
    });
  }

  private readLine(timeoutMs: number, signal?: AbortSignal): Promise<ReceivedLine> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
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
        timeoutMs,
      );
      const onAbort = () => reader.reject(new TgError('TG_ABORTED'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readers.push(reader);
    });
  }

  private onLine(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.length === 0) return;
    const received = { line, at: this.opts.clock.now() };
    const reader = this.readers.shift();
    if (reader) return reader.resolve(received);
    this.queue.push(received);
    if (this.queue.length > MAX_QUEUED_LINES) this.queue.shift();
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
      this.failReaders(new TgError('TG_LINK_CLOSED', this.lastError ?? this.address()));
      if (signal.aborted) break;
      const delay = this.backoff.next();
      this.opts.log.warn({ link: this.id, error: this.lastError, retryInMs: Math.round(delay) }, 'link down');
      await this.opts.clock.sleep(delay, signal).catch(() => undefined);
      this.reconnects++;
    }
  }

  /** Carries one opened stream until it ends; resolves when it closed for any reason. */
  private serve(stream: Duplex, signal: AbortSignal): Promise<void> {
    this.stream = stream;
    this.queue = [];
    this.generation++;
    this.state = 'connected';
    this.lastError = undefined;
    this.backoff.reset();
    this.opts.log.info({ link: this.id, address: this.address() }, 'link connected');
    for (const waiter of this.connectWaiters.splice(0)) waiter();

    const delimiter = TERMINATOR_TEXT[this.opts.readTerminator];
    const parser = stream.pipe(new ReadlineParser({ delimiter, encoding: 'latin1' }));
    parser.on('data', (line: string) => this.onLine(line));
    return new Promise((resolve) => {
      let finished = false;
      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        if (err) this.lastError = err.message;
        else this.lastError ??= 'closed by peer';
        stream.unpipe(parser);
        stream.destroy();
        signal.removeEventListener('abort', onAbort);
        this.stream = undefined;
        resolve();
      };
      const onAbort = () => finish();
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('error', finish);
      stream.once('close', () => finish());
      stream.once('end', () => finish());
    });
  }

  private failReaders(err: Error): void {
    for (const r of this.readers.splice(0)) r.reject(err);
  }
}
