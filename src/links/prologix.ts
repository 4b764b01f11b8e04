import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { TgError } from '../core/errors.js';
import { adapterSetupCommands, escapeForPrologix, type PrologixEos, type PrologixLinkConfig } from './prologix-config.js';
import { TcpLineLink, type TcpEndpoint } from './tcp.js';
import type { LineIO, LineLink, LinkStatus, QueryResult, ReceivedLine } from './types.js';

/** Added to `++read_tmo_ms` before a `++read` is repeated: the adapter's own answer time. */
const READ_MARGIN_MS = 300;

/**
 * A GPIB instrument behind a Prologix GPIB-ETHERNET adapter, as a line link: drivers write
 * instrument commands and read replies exactly as on a serial or TCP line, and this link does
 * the adapter's part (a TCP line link underneath carries the bytes and reconnects):
 *
 * - on every new connection, before the first transaction: the adapter setup (controller mode,
 *   `++addr`, no auto-read, EOI, `++eos`, `++read_tmo_ms`, EEPROM writes off), `++clr` (selected
 *   device clear: drops a reading or a half-received command left by the dropped session) and
 *   `++ver` (answered by the adapter, so the setup is known to be through);
 * - every write is escaped (CR, LF, ESC and '+' pass to the instrument);
 * - every `readLine` addresses the instrument to talk with `++read eoi`, repeated while the
 *   instrument integrates longer than `++read_tmo_ms` (at most 3 s; a 100 PLC reading with
 *   autozero takes about 4 s), until the caller's timeout is spent;
 * - after a reply that never came, the next transaction starts with `++clr`, so a late reply or
 *   a half-executed command cannot answer the next query.
 */
export class PrologixLink implements LineLink {
  readonly kind = 'line' as const;
  readonly id: string;
  private readonly line: TcpLineLink;
  private preparedGeneration = -1;
  private clearPending = false;

  constructor(
    private readonly cfg: PrologixLinkConfig,
    endpoint: TcpEndpoint,
    private readonly deps: { clock: Clock; log: Logger },
  ) {
    this.id = cfg.id;
    const framing = { writeTerminator: 'LF', readTerminator: cfg.readTerminator } as const;
    this.line = new TcpLineLink({ id: cfg.id, type: 'prologix', ...framing, reconnect: cfg.reconnect, ...deps }, endpoint, cfg.connectTimeout);
  }

  get generation(): number {
    return this.line.generation;
  }

  start(): void {
    this.line.start();
  }

  close(): Promise<void> {
    return this.line.close();
  }

  status(): LinkStatus {
    const status = this.line.status();
    return { ...status, address: `${status.address} gpib ${this.cfg.address}` };
  }

  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.line.waitConnected(timeoutMs, signal);
  }

  exclusive<T>(fn: (io: LineIO) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.line.exclusive(async (io) => {
      await this.prepare(io, signal);
      return fn(this.gpib(io));
    }, signal);
  }

  private async prepare(io: LineIO, signal: AbortSignal | undefined): Promise<void> {
    const fresh = this.preparedGeneration !== this.line.generation;
    if (!fresh && !this.clearPending) return;
    io.discardInput();
    if (fresh) {
      const setup = { address: this.cfg.address, eos: this.cfg.eos as PrologixEos, readTimeoutMs: this.cfg.readTimeout };
      for (const command of adapterSetupCommands(setup)) await io.write(command);
    }
    await io.write('++clr');
    if (fresh) {
      const version = await io.query('++ver', this.cfg.connectTimeout, signal);
      if (!/prologix/i.test(version.line)) this.deps.log.warn({ link: this.id, reply: version.line.slice(0, 64) }, 'the GPIB adapter is not a Prologix');
      this.preparedGeneration = this.line.generation;
    }
    this.clearPending = false;
  }

  /** The instrument's side of the adapter, as a driver sees it. */
  private gpib(io: LineIO): LineIO {
    const readLine = (timeoutMs: number, signal?: AbortSignal) => this.readReply(io, timeoutMs, signal);
    return {
      write: (text) => io.write(escapeForPrologix(text)),
      readLine,
      query: async (command, timeoutMs, signal): Promise<QueryResult> => {
        io.discardInput();
        const sentAt = this.deps.clock.now();
        await io.write(escapeForPrologix(command));
        const reply = await readLine(timeoutMs, signal);
        return { line: reply.line, sentAt, receivedAt: reply.at };
      },
      discardInput: () => io.discardInput(),
    };
  }

  /** `++read eoi`, repeated until a line arrives or `timeoutMs` is spent (then TG_LINK_TIMEOUT). */
  private async readReply(io: LineIO, timeoutMs: number, signal?: AbortSignal): Promise<ReceivedLine> {
    const { clock } = this.deps;
    const slice = this.cfg.readTimeout + READ_MARGIN_MS;
    const deadline = clock.monotonic() + timeoutMs;
    const attempts = Math.ceil(timeoutMs / slice) + 1;
    for (let attempt = 1; ; attempt++) {
      await io.write('++read eoi');
      try {
        return await io.readLine(Math.max(1, Math.min(slice, deadline - clock.monotonic())), signal);
      } catch (err) {
        if (!(err instanceof TgError && err.code === 'TG_LINK_TIMEOUT')) throw err;
        if (deadline - clock.monotonic() > 0 && attempt < attempts) continue;
        this.clearPending = true;
        throw new TgError('TG_LINK_TIMEOUT', `no reply within ${timeoutMs} ms from GPIB address ${this.cfg.address} on ${this.line.address()}`);
      }
    }
  }
}
