/**
 * The fluke-1594a driver: the Super-Thermometer on a line link (RS-232, CR or LF).
 *
 * Why STAT:OPER? is polled (`onlyNew`, the default): the 1594A measures on its own schedule
 * (one result every few seconds with its filter) and FETC? returns the latest result however
 * often it is asked, so polling faster than the instrument measures would journal the same sample
 * several times and bias every mean, drift fit and Allan deviation. STAT:OPER? answers 16 once per
 * new measurement (reading it, or FETC?, clears the bit), so a cycle without a new measurement
 * returns no reading at all. It also avoids FETC? before the first result, which the instrument
 * does not answer (error -230). A measurement that stops coming is made visible after `maxAge`.
 *
 * Each transaction takes the link's lock (re-entrant, so this is also safe inside a caller's own
 * `exclusive`).
 */
import type { Driver, DriverDeps } from '../../src/core/driver.js';
import type { DeviceIdentity, RawReading } from '../../src/core/types.js';
import type { LineIO, LineLink } from '../../src/links/types.js';
import { drainScpiErrors, identify } from '../shared/scpi.js';
import { standardUncertainty } from '../shared/uncertainty.js';
import type { ResolvedFluke1594aConfig } from './config.js';
import { NEW_MEASUREMENT_BIT, UNIT_LETTERS, parseFetch, parseStatusRegister, printable } from './parse.js';

/** SYST:ERR? queries per drain at most: a queue that never empties cannot stall a cycle. */
export const MAX_ERRORS_PER_DRAIN = 10;

export function createFluke1594aDriver(cfg: ResolvedFluke1594aConfig, deps: DriverDeps<LineLink>): Driver {
  const { link, log, clock, timeoutMs, reportError } = deps;
  /** Monotonic time of the last new measurement (or of connect). */
  let lastNewAt = clock.monotonic();

  const drainErrors = (io: LineIO, signal: AbortSignal) =>
    drainScpiErrors(io, signal, { timeoutMs, limit: MAX_ERRORS_PER_DRAIN, reportError, log, unparseable: () => io.discardInput() });


  /** True when STAT:OPER? reports a new measurement; an unreadable answer counts as new (a
   *  duplicate is better than a missed sample) and is reported. */
  async function newMeasurement(io: LineIO, signal: AbortSignal): Promise<boolean> {
    const reply = await io.query('STAT:OPER?', timeoutMs, signal);
    const register = parseStatusRegister(reply.line);
    if (register === null) {
      reportError('TG_PARSE_ERROR', `STAT:OPER? answered "${printable(reply.line)}"`);
      io.discardInput();
      return true;
    }
    return (register & NEW_MEASUREMENT_BIT) !== 0;
  }

  function base(time: number): RawReading {
    return { channel: cfg.channel, quantity: cfg.quantity, unit: cfg.unit, value: null, time };
  }

  async function fetch(io: LineIO, signal: AbortSignal): Promise<RawReading> {
    const reply = await io.query(cfg.query, timeoutMs, signal);
    const reading = base(Math.round((reply.sentAt + reply.receivedAt) / 2));
    const parsed = parseFetch(reply.line);
    if (parsed.kind === 'invalid') {
      reading.flags = ['parse_error'];
      reportError('TG_PARSE_ERROR', `${cfg.query} ${parsed.reason}`);
      log.warn({ query: cfg.query, reply: printable(reply.line) }, 'unparseable reading');
      io.discardInput();
      return reading;
    }
    reading.value = parsed.value;
    const stated = parsed.unit ? UNIT_LETTERS[parsed.unit] : undefined;
    if (stated && stated.unit !== cfg.unit) {
      // The instrument is set up otherwise than configured (front panel, another program): keep
      // what it said, in its unit, and flag it so no check mistakes it for the configured quantity.
      reading.unit = stated.unit;
      reading.quantity = stated.quantity;
      reading.flags = ['device_error'];
      reportError('TG_DEVICE_ERROR', `${cfg.query} reports ${stated.unit}, configured ${cfg.unit}`);
    } else if (cfg.uncertainty) {
      reading.u = standardUncertainty(parsed.value, cfg.uncertainty);
    }
    return reading;
  }

  return {
    async connect(signal: AbortSignal): Promise<DeviceIdentity> {
      return link.exclusive(async (io) => {
        const identity = await identify(io, timeoutMs, signal);
        for (const command of cfg.setup) await io.write(command);
        if (cfg.drainErrors) await drainErrors(io, signal);
        lastNewAt = clock.monotonic();
        log.debug({ identity }, '1594A connected');
        return identity;
      }, signal);
    },

    async read(signal: AbortSignal): Promise<RawReading[]> {
      return link.exclusive(async (io) => {
        // A thrown TG_LINK_TIMEOUT / TG_LINK_CLOSED fails the cycle as a whole.
        const readings: RawReading[] = [];
        if (!cfg.onlyNew || (await newMeasurement(io, signal))) {
          readings.push(await fetch(io, signal));
          lastNewAt = clock.monotonic();
        } else if (clock.monotonic() - lastNewAt > cfg.maxAgeMs) {
          const ageS = Math.round((clock.monotonic() - lastNewAt) / 1000);
          readings.push({ ...base(clock.now()), flags: ['unavailable'] });
          reportError('TG_DEVICE_ERROR', `no new measurement for ${ageS} s`);
        }
        if (cfg.drainErrors) await drainErrors(io, signal);
        return readings;
      }, signal);
    },

    async close(): Promise<void> {
      // The link belongs to the gateway; the instrument keeps its configuration.
    },
  };
}
