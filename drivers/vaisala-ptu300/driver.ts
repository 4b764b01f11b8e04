import { type Driver, type DriverDeps, TgError, isAbort, type DeviceIdentity, type RawReading, type LineIO, type LineLink, type ReceivedLine } from '../../src/kit.js';
import type { Ptu300Config } from './config.js';
import { failedReadings, lineFormat, parseLine } from './parse.js';

/** Quiet time that ends the `?` info block (at 4800 baud a line takes about 60 ms). */
const INFO_QUIET_MS = 250;

/**
 * The PTU300/HMT330 ASCII protocol over a line link. Every exchange runs inside
 * `link.exclusive()`.
 *
 * - connect(): `S` stops any running output; with `identify`, `?` and its info block give the
 *   serial number; streaming mode then sets `INTV n S` and starts output with `R`.
 * - polled: read() sends `SEND` and parses one line; time = midpoint of the query.
 * - streaming: stream() parses lines until the signal aborts (then sends `S`); time = arrival.
 * A line that does not parse is reported as TG_PARSE_ERROR: polled mode returns the expected
 * channels with value null flagged parse_error, streaming mode skips it. Neither throws.
 */
export function createPtu300Driver(cfg: Ptu300Config, deps: DriverDeps<LineLink>): Driver {
  const { link, timeoutMs, reportError } = deps;
  const format = lineFormat(cfg);

  const connect = (signal: AbortSignal): Promise<DeviceIdentity | null> =>
    link.exclusive(async (io) => {
      await io.write('S');
      const identity = cfg.identify ? await identify(io, signal) : null;
      if (cfg.mode === 'streaming') {
        io.discardInput();
        await io.write(`INTV ${cfg.intervalSeconds} S`);
        await readUntil(io, (l) => /intrv/i.test(l), signal);
        await io.write('R');
      }
      return identity;
    }, signal);

  /** Sends `?` and reads the info block: its first 'PTU300 / 3.10' line and 'Serial number : X'. */
  const identify = async (io: LineIO, signal: AbortSignal): Promise<DeviceIdentity> => {
    io.discardInput();
    await io.write('?');
    let model: string | undefined;
    let firmware: string | undefined;
    const serialLine = await readUntil(
      io,
      (l) => {
        const m = /^\s*>?\s*([A-Z]{3}\d{3}\S*)\s*\/\s*(\S+)/.exec(l);
        if (m && !model) [model, firmware] = [m[1], m[2]];
        return /serial\s*(number|no\.?)?\s*:/i.test(l);
      },
      signal,
    );
    const serial = /:\s*(\S+)/.exec(serialLine.line)?.[1];
    if (!serial) throw new TgError('TG_PARSE_ERROR', `no serial number in "${serialLine.line}"`);
    // Let the rest of the block go by so that it is not taken for the next reply (bounded, in
    // case the device never falls quiet).
    const drainUntil = deps.clock.monotonic() + timeoutMs;
    while (deps.clock.monotonic() < drainUntil) {
      try {
        await io.readLine(Math.min(INFO_QUIET_MS, timeoutMs), signal);
      } catch (err) {
        if (err instanceof TgError && err.code === 'TG_LINK_TIMEOUT') break;
        throw err;
      }
    }
    return { manufacturer: 'Vaisala', model: model ?? 'PTU300', serial, ...(firmware ? { firmware } : {}) };
  };

  /** Reads lines until one satisfies `match`, skipping others (an echo, a line still in flight). */
  const readUntil = async (io: LineIO, match: (line: string) => boolean, signal: AbortSignal): Promise<ReceivedLine> => {
    const deadline = deps.clock.monotonic() + timeoutMs;
    for (;;) {
      const left = deadline - deps.clock.monotonic();
      if (left <= 0) throw new TgError('TG_LINK_TIMEOUT', `no expected reply within ${timeoutMs} ms on ${link.id}`);
      const received = await io.readLine(left, signal);
      if (match(received.line)) return received;
    }
  };

  const read = (signal: AbortSignal): Promise<RawReading[]> =>
    link.exclusive(async (io) => {
      const q = await io.query('SEND', timeoutMs, signal);
      let reply: ReceivedLine = { line: q.line, at: q.receivedAt };
      if (/^\s*>?\s*SEND\s*$/i.test(reply.line)) reply = await io.readLine(timeoutMs, signal); // echo on
      const time = Math.round((q.sentAt + reply.at) / 2);
      const parsed = parseLine(reply.line, format);
      if (!parsed.ok) {
        reportError('TG_PARSE_ERROR', `${parsed.reason}: ${JSON.stringify(reply.line)}`);
        return failedReadings(format, 'parse_error', time);
      }
      return parsed.readings.map((r) => ({ ...r, time }));
    }, signal);

  const stream = async (onAcquisition: (readings: RawReading[]) => void, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    // Silence this long means the device stopped output (power cycle, fault): throw so that
    // acquisition reconnects, which sends R again.
    const silenceMs = cfg.intervalSeconds * 3000 + timeoutMs;
    await link.exclusive(async (io) => {
      for (;;) {
        let received: ReceivedLine;
        try {
          received = await io.readLine(silenceMs, signal);
        } catch (err) {
          if (signal.aborted || isAbort(err)) break;
          throw err;
        }
        const parsed = parseLine(received.line, format);
        if (!parsed.ok) {
          reportError('TG_PARSE_ERROR', `${parsed.reason}: ${JSON.stringify(received.line)}`);
          continue;
        }
        onAcquisition(parsed.readings.map((r) => ({ ...r, time: received.at })));
      }
      await io.write('S').catch(() => undefined); // stop the output; the link may be down already
    }, signal).catch((err) => {
      if (!(signal.aborted && isAbort(err))) throw err;
    });
  };

  const close = async (): Promise<void> => {};

  // Acquisition polls a driver that has read() and streams from one that has stream().
  return cfg.mode === 'streaming' ? { connect, stream, close } : { connect, read, close };
}
