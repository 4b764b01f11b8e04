/**
 * The SCPI driver: identity and setup on connect, one query per reading, and the error queue
 * drained after each. It uses only the LineLink it is given; each transaction takes the link's
 * lock (re-entrant, so this is also safe inside a caller's own `exclusive`).
 */
import type { Driver, DriverDeps } from '../../src/core/driver.js';
import type { DeviceIdentity, RawReading } from '../../src/core/types.js';
import type { LineIO, LineLink } from '../../src/links/types.js';
import { drainScpiErrors, identify } from '../shared/scpi.js';
import { standardUncertainty } from '../shared/uncertainty.js';
import type { ResolvedScpiConfig } from './config.js';
import { parseScpiNumber, printable } from './parse.js';

/** SYST:ERR? queries per drain at most: an instrument whose queue never empties cannot stall a cycle. */
export const MAX_ERRORS_PER_DRAIN = 20;

export function createScpiDriver(cfg: ResolvedScpiConfig, deps: DriverDeps<LineLink>): Driver {
  const { link, log, timeoutMs, reportError } = deps;

  const drainErrors = (io: LineIO, signal: AbortSignal) =>
    drainScpiErrors(io, signal, { timeoutMs, limit: MAX_ERRORS_PER_DRAIN, reportError, log, unparseable: (line) => log.warn({ reply: printable(line) }, 'unparseable SYST:ERR? reply') });

  return {
    async connect(signal: AbortSignal): Promise<DeviceIdentity> {
      return link.exclusive(async (io) => {
        const identity = await identify(io, timeoutMs, signal);
        for (const command of cfg.setup) await io.write(command);
        // SYST:ERR? also serves as the synchronisation point after the setup commands.
        if (cfg.drainErrors) await drainErrors(io, signal);
        log.debug({ identity }, 'SCPI instrument connected');
        return identity;
      }, signal);
    },

    async read(signal: AbortSignal): Promise<RawReading[]> {
      return link.exclusive(async (io) => {
        // A thrown TG_LINK_TIMEOUT / TG_LINK_CLOSED fails the cycle as a whole.
        const reply = await io.query(cfg.query, timeoutMs, signal);
        const reading: RawReading = {
          channel: cfg.channel,
          quantity: cfg.quantity,
          unit: cfg.unit,
          value: null,
          time: Math.round((reply.sentAt + reply.receivedAt) / 2),
        };
        const parsed = parseScpiNumber(reply.line);
        switch (parsed.kind) {
          case 'number':
            reading.value = parsed.value;
            if (cfg.uncertainty) reading.u = standardUncertainty(parsed.value, cfg.uncertainty);
            break;
          case 'overrange':
            reading.flags = ['overrange'];
            reading.extra = { overload: parsed.value > 0 ? '+' : '-' };
            break;
          case 'nan':
            reading.flags = ['unavailable'];
            break;
          case 'invalid':
            reading.flags = ['parse_error'];
            reportError('TG_PARSE_ERROR', `${cfg.query} ${parsed.reason}`);
            log.warn({ query: cfg.query, reply: printable(reply.line) }, 'unparseable reading');
            // Whatever else arrived with the garbage belongs to no query.
            io.discardInput();
            break;
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
