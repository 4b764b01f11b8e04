/**
 * The hp3458a driver: a Keysight (HP) 3458A behind a Prologix GPIB-ETHERNET adapter on a line
 * link. Every instrument command is escaped for the adapter and every reply is fetched with
 * `++read eoi`. Each transaction takes the link's lock (re-entrant, so this is also safe inside a
 * caller's own `exclusive`).
 */
import type { Driver, DriverDeps } from '../../src/core/driver.js';
import { TgError, isAbort } from '../../src/core/errors.js';
import type { DeviceIdentity, RawReading } from '../../src/core/types.js';
import type { LineIO, LineLink, QueryResult, ReceivedLine } from '../../src/links/types.js';
import { drainErrorQueue, queryFailure } from '../shared/error-queue.js';
import { standardUncertainty } from '../shared/uncertainty.js';
import type { ResolvedHp3458aConfig } from './config.js';
import { parseErrstr, parseHp3458Id, parseHp3458Number, printable } from './parse.js';
import { escapeForPrologix } from './prologix.js';

/** ERRSTR? queries per drain at most: a queue that never empties cannot stall a cycle. */
export const MAX_ERRORS_PER_DRAIN = 10;
/** Added to `++read_tmo_ms` before a `++read` is repeated: the adapter's own answer time. */
const READ_MARGIN_MS = 300;

export function createHp3458aDriver(cfg: ResolvedHp3458aConfig, deps: DriverDeps<LineLink>): Driver {
  const { link, log, clock, timeoutMs, reportError } = deps;

  /**
   * Fetches the instrument's next reply with `++read eoi`. The adapter gives up after
   * `++read_tmo_ms` (at most 3 s) and then sends nothing, while a 100 PLC reading with autozero
   * takes about 4 s on 50 Hz mains: so the read is repeated until the device's `timeout` is spent.
   * Rejects with TG_LINK_TIMEOUT after `timeoutMs`.
   */
  async function readReply(io: LineIO, what: string, signal: AbortSignal): Promise<ReceivedLine> {
    const deadline = clock.monotonic() + timeoutMs;
    const attempts = Math.ceil(timeoutMs / (cfg.readTmoMs + READ_MARGIN_MS)) + 1;
    for (let attempt = 1; ; attempt++) {
      await io.write('++read eoi');
      const remaining = deadline - clock.monotonic();
      try {
        return await io.readLine(Math.max(1, Math.min(cfg.readTmoMs + READ_MARGIN_MS, remaining)), signal);
      } catch (err) {
        const timedOut = err instanceof TgError && err.code === 'TG_LINK_TIMEOUT';
        if (!timedOut) throw err;
        if (deadline - clock.monotonic() <= 0 || attempt >= attempts)
          throw new TgError('TG_LINK_TIMEOUT', `no reply to ${what} within ${timeoutMs} ms on ${link.status().address}`);
      }
    }
  }

  /** Sends one instrument command (escaped) and fetches its reply. */
  async function ask(io: LineIO, command: string, signal: AbortSignal): Promise<QueryResult> {
    io.discardInput();
    const sentAt = clock.now();
    await io.write(escapeForPrologix(command));
    const reply = await readReply(io, command, signal);
    return { line: reply.line, sentAt, receivedAt: reply.at };
  }

  /** Runs `fn`; a failure other than an abort is reported and logged, and `undefined` returned. */
  async function optional<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (isAbort(err)) throw err;
      const { code, detail } = queryFailure(what, err);
      reportError(code, detail);
      log.warn({ code, detail }, 'auxiliary query failed');
      return undefined;
    }
  }

  /** Reads ERRSTR? until `0,"NO ERROR"` and reports each entry as HP3458A_<code>. Never throws
   *  except on abort: the cycle's reading is kept when the drain fails. */
  async function drainErrors(io: LineIO, signal: AbortSignal): Promise<void> {
    await drainErrorQueue({
      query: 'ERRSTR?',
      codePrefix: 'HP3458A_',
      limit: MAX_ERRORS_PER_DRAIN,
      queueName: 'error register',
      parse: parseErrstr,
      ask: async () => (await optional('ERRSTR?', () => ask(io, 'ERRSTR?', signal)))?.line,
      unparseable: () => io.discardInput(),
      reportError,
      log,
    });
  }

  return {
    async connect(signal: AbortSignal): Promise<DeviceIdentity> {
      return link.exclusive(async (io) => {
        io.discardInput();
        for (const command of cfg.adapterSetup) await io.write(command);
        // Selected device clear: drops a reading or a half-received command left by a dropped session.
        await io.write('++clr');
        const version = await io.query('++ver', timeoutMs, signal);
        if (!/prologix/i.test(version.line)) log.warn({ reply: printable(version.line) }, 'the GPIB adapter is not a Prologix');
        const id = await ask(io, 'ID?', signal);
        const identity = parseHp3458Id(id.line, cfg.serial);
        if (!identity) throw new TgError('TG_PARSE_ERROR', `ID? answered "${printable(id.line)}"`);
        for (const command of cfg.setup) await io.write(escapeForPrologix(command));
        if (cfg.drainErrors) await drainErrors(io, signal);
        log.debug({ identity, adapter: version.line }, '3458A connected');
        return identity;
      }, signal);
    },

    async read(signal: AbortSignal): Promise<RawReading[]> {
      return link.exclusive(async (io) => {
        // A thrown TG_LINK_TIMEOUT / TG_LINK_CLOSED fails the cycle as a whole.
        const reply = await ask(io, 'TRIG SGL', signal);
        const reading: RawReading = {
          channel: cfg.channel,
          quantity: cfg.quantity,
          unit: cfg.unit,
          value: null,
          time: Math.round((reply.sentAt + reply.receivedAt) / 2),
        };
        const parsed = parseHp3458Number(reply.line);
        if (parsed.kind === 'number') {
          reading.value = parsed.value;
          if (cfg.uncertainty) reading.u = standardUncertainty(parsed.value, cfg.uncertainty);
        } else if (parsed.kind === 'overrange') {
          reading.flags = ['overrange'];
          reading.extra = { overload: parsed.value > 0 ? '+' : '-' };
        } else {
          reading.flags = ['parse_error'];
          reportError('TG_PARSE_ERROR', `TRIG SGL ${parsed.reason}`);
          log.warn({ reply: printable(reply.line) }, 'unparseable reading');
        }
        if (cfg.internalTemperature) {
          const temp = await optional('TEMP?', () => ask(io, 'TEMP?', signal));
          const t = temp ? parseHp3458Number(temp.line) : undefined;
          if (t?.kind === 'number') reading.extra = { ...reading.extra, internalTemperature: t.value };
          else if (temp) reportError('TG_PARSE_ERROR', `TEMP? answered "${printable(temp.line)}"`);
        }
        if (cfg.drainErrors) await drainErrors(io, signal);
        return [reading];
      }, signal);
    },

    async close(): Promise<void> {
      // The link belongs to the gateway; the instrument keeps its configuration.
    },
  };
}
