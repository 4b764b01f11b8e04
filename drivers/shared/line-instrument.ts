/**
 * The line-instrument kit: an instrument that answers queries line by line (SCPI or its own
 * dialect, over RS-232, TCP or GPIB behind a Prologix link) is a definition (its identity query,
 * its error query, its options as a zod object, and a plan: setup commands and the queries whose
 * replies become channels), and `lineDriver()` turns it into a driver, as zigbee-herdsman-
 * converters turns a device definition into a converter. What every such driver does the same
 * way lives here once:
 *
 * - connect: the link type check, the identity query, the setup commands, the error drain;
 * - read: one query per channel under the link's lock, the time stamp at the midpoint of each
 *   query, a garbled reply as a `parse_error` reading (input discarded), an overload as
 *   `overrange`, a reply in another unit than configured kept in its unit and flagged
 *   `device_error`, auxiliary queries into `extra`, the error queue drained after each cycle;
 * - a reply that never came: the error queue is read at once, before a reconnect's setup (*CLS)
 *   can empty it, and the instrument's own error becomes the cycle's error (TG_DEVICE_ERROR), so
 *   it is what status, page and log show; with an empty queue the timeout stands.
 */
import { TgError, isAbort, type DeviceIdentity, type LineDriverDefinition, type LineIO, type RawReading, type z } from '../../src/kit.js';
import { drainErrorQueue, queryFailure, type ErrorEntry } from './error-queue.js';
import { printable } from './printable.js';
import { standardUncertainty, type Uncertainty } from './uncertainty.js';

/** One channel: what its readings are called and measured in. */
export interface ChannelSpec {
  channel: string;
  quantity: string;
  unit: string;
  /** The instrument's resolution in `unit` (its last digit), where a manual states it: documentation. */
  resolution?: number;
}

/** What a reply parser makes of one reply. `stated` is the unit the reply itself names, if any. */
export type ParsedReply =
  | { kind: 'number'; value: number; stated?: { unit: string; quantity: string } }
  | { kind: 'overrange'; value: number }
  | { kind: 'nan' }
  | { kind: 'invalid'; reason: string };

/** One query whose reply becomes one channel's reading. */
export interface Measurement extends ChannelSpec {
  query: string;
  parse(reply: string): ParsedReply;
  /** Queries after the reading, each into `extra[name]`; a failure is reported, the reading kept. */
  extras?: readonly { name: string; query: string; parse(reply: string): number | null }[];
}

/** The instrument's error query: asked until it answers code 0, each entry reported as `<codePrefix><code>`. */
export interface ErrorQuery {
  query: string;
  parse(reply: string): ErrorEntry | null;
  codePrefix: string;
  /** Queries per drain at most: a queue that never empties cannot stall a cycle. */
  limit: number;
  queueName?: string;
}

/** Ask `query` before each cycle and read only when `isNew` says a new measurement exists
 *  (null: unreadable, counted as new and reported); none for `maxAgeMs` makes the channels `unavailable`. */
export interface FreshnessGate {
  query: string;
  isNew(reply: string): boolean | null;
  maxAgeMs: number;
}

/** What the options resolve to: what the driver sends and how it labels readings. */
export interface LinePlan {
  setup: readonly string[];
  measure: readonly Measurement[];
  /** Drain the error query after setup and after each cycle (default true when there is one). */
  drainErrors?: boolean;
  uncertainty?: Uncertainty | undefined;
  onlyNew?: FreshnessGate | undefined;
}

export interface LineInstrument<O> {
  kind: string;
  description: string;
  options: z.ZodType<O, any>;
  /** Link types it can be reached through (default: any line link), e.g. ['prologix'] for GPIB only. */
  linkTypes?: readonly string[];
  identity?: { query: string; parse(reply: string, options: O): DeviceIdentity | null };
  errors?: ErrorQuery;
  plan(options: O): LinePlan;
}

/** A driver definition for the registry, carrying its instrument definition (for tests and docs). */
export type LineInstrumentDriver<O> = LineDriverDefinition<O> & { instrument: LineInstrument<O> };

export function lineDriver<O>(def: LineInstrument<O>): LineInstrumentDriver<O> {
  return {
    instrument: def,
    kind: def.kind,
    linkKind: 'line',
    description: def.description,
    config: def.options,
    ...(def.linkTypes ? { linkTypes: def.linkTypes } : {}),
    create(options, { link, log, clock, timeoutMs, reportError }) {
      const plan = def.plan(options);
      const errors = plan.drainErrors === false ? undefined : def.errors;
      let lastNewAt = clock.monotonic();
      /** The cycle's query in flight, named when it goes unanswered. */
      let asking = '';
      const midpoint = (q: { sentAt: number; receivedAt: number }) => Math.round((q.sentAt + q.receivedAt) / 2);

      /** Asks `query`; a failure other than an abort is reported (unless `quiet`) and gives undefined. */
      async function ask(io: LineIO, query: string, signal: AbortSignal, quiet = false): Promise<string | undefined> {
        try {
          return (await io.query(query, timeoutMs, signal)).line;
        } catch (err) {
          if (signal.aborted || isAbort(err)) throw err;
          if (quiet) return undefined;
          const { code, detail } = queryFailure(query, err);
          reportError(code, detail);
          log.warn({ code, detail }, 'auxiliary query failed');
          return undefined;
        }
      }

      /** Drains the error query; returns the entries it reported. After a timeout it is `quiet`:
       *  a failed or unreadable answer ends it without a report of its own. */
      async function drain(io: LineIO, signal: AbortSignal, quiet = false): Promise<ErrorEntry[]> {
        const seen: ErrorEntry[] = [];
        if (!errors) return seen;
        await drainErrorQueue({
          query: errors.query,
          codePrefix: errors.codePrefix,
          limit: errors.limit,
          queueName: errors.queueName ?? 'error queue',
          parse: (line) => {
            const entry = errors.parse(line);
            if (entry && entry.code !== 0) seen.push(entry);
            return entry;
          },
          ask: () => ask(io, errors.query, signal, quiet),
          unparseable: (line) => {
            log.warn({ reply: printable(line) }, `unparseable ${errors.query} reply`);
            io.discardInput();
          },
          reportError: (code, detail) => (quiet && code === 'TG_PARSE_ERROR' ? undefined : reportError(code, detail)),
          log,
        });
        return seen;
      }

      async function measure(io: LineIO, m: Measurement, signal: AbortSignal): Promise<RawReading> {
        asking = m.query;
        const reply = await io.query(m.query, timeoutMs, signal);
        const reading: RawReading = { channel: m.channel, quantity: m.quantity, unit: m.unit, value: null, time: midpoint(reply) };
        const parsed = m.parse(reply.line);
        if (parsed.kind === 'number') {
          reading.value = parsed.value;
          if (parsed.stated && parsed.stated.unit !== m.unit) {
            // Set up otherwise than configured (front panel, another program): keep what it said,
            // in its unit, flagged, so no check mistakes it for the configured quantity.
            Object.assign(reading, { unit: parsed.stated.unit, quantity: parsed.stated.quantity, flags: ['device_error'] });
            reportError('TG_DEVICE_ERROR', `${m.query} reports ${parsed.stated.unit}, configured ${m.unit}`);
          } else if (plan.uncertainty) reading.u = standardUncertainty(parsed.value, plan.uncertainty);
        } else if (parsed.kind === 'overrange') {
          reading.flags = ['overrange'];
          reading.extra = { overload: parsed.value > 0 ? '+' : '-' };
        } else if (parsed.kind === 'nan') {
          reading.flags = ['unavailable'];
        } else {
          reading.flags = ['parse_error'];
          reportError('TG_PARSE_ERROR', `${m.query} ${parsed.reason}`);
          log.warn({ query: m.query, reply: printable(reply.line) }, 'unparseable reading');
          io.discardInput(); // whatever else arrived with the garbage belongs to no query
        }
        for (const x of m.extras ?? []) {
          const line = await ask(io, x.query, signal);
          const value = line === undefined ? null : x.parse(line);
          if (value !== null) reading.extra = { ...reading.extra, [x.name]: value };
          else if (line !== undefined) reportError('TG_PARSE_ERROR', `${x.query} answered "${printable(line)}"`);
        }
        return reading;
      }

      /** The gate's verdict: true when a new measurement exists (or the answer was unreadable). */
      async function isNew(io: LineIO, gate: FreshnessGate, signal: AbortSignal): Promise<boolean> {
        asking = gate.query;
        const reply = await io.query(gate.query, timeoutMs, signal);
        const verdict = gate.isNew(reply.line);
        if (verdict !== null) return verdict;
        reportError('TG_PARSE_ERROR', `${gate.query} answered "${printable(reply.line)}"`);
        io.discardInput();
        return true; // a duplicate is better than a missed sample
      }

      async function cycle(io: LineIO, signal: AbortSignal): Promise<RawReading[]> {
        const gate = plan.onlyNew;
        if (gate && !(await isNew(io, gate, signal))) {
          const age = clock.monotonic() - lastNewAt;
          if (age <= gate.maxAgeMs) return [];
          reportError('TG_DEVICE_ERROR', `no new measurement for ${Math.round(age / 1000)} s`);
          const time = clock.now();
          return plan.measure.map((m) => ({ channel: m.channel, quantity: m.quantity, unit: m.unit, value: null, flags: ['unavailable'], time }));
        }
        const readings: RawReading[] = [];
        for (const m of plan.measure) readings.push(await measure(io, m, signal));
        lastNewAt = clock.monotonic();
        return readings;
      }

      return {
        async connect(signal) {
          const type = link.status().type;
          if (def.linkTypes && !def.linkTypes.includes(type))
            throw new TgError('TG_CONFIG_INVALID', `${def.kind} needs a link of type ${def.linkTypes.join(' or ')}; link "${link.id}" is ${type} (see drivers/${def.kind}/README.md)`);
          return link.exclusive(async (io) => {
            io.discardInput();
            let identity: DeviceIdentity | null = null;
            if (def.identity) {
              const reply = await io.query(def.identity.query, timeoutMs, signal);
              identity = def.identity.parse(reply.line, options);
              if (!identity) throw new TgError('TG_PARSE_ERROR', `${def.identity.query} answered "${printable(reply.line)}"`);
            }
            for (const command of plan.setup) await io.write(command);
            await drain(io, signal); // also the synchronisation point after the setup commands
            lastNewAt = clock.monotonic();
            log.debug({ identity }, `${def.kind} connected`);
            return identity;
          }, signal);
        },

        read(signal) {
          return link.exclusive(async (io) => {
            let readings: RawReading[];
            try {
              readings = await cycle(io, signal);
            } catch (err) {
              if (!(err instanceof TgError && err.code === 'TG_LINK_TIMEOUT') || signal.aborted) throw err;
              const [first] = await drain(io, signal, true);
              if (!first) throw err;
              throw new TgError('TG_DEVICE_ERROR', `${first.code},"${first.message}" after ${asking} got no reply within ${timeoutMs} ms`, { cause: err });
            }
            await drain(io, signal);
            return readings;
          }, signal);
        },

        async close() {
          // The link belongs to the gateway; the instrument keeps its configuration.
        },
      };
    },
  };
}
