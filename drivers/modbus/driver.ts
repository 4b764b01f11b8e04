/**
 * The generic Modbus driver: a device is a register map. Each read() sends the planned requests
 * (each one a transaction under the link's lock, so devices sharing a bus interleave between
 * requests) and decodes every entry.
 *
 * Failures become flagged readings, never a crash and never a thrown cycle, except when the link
 * itself is down or the cycle is aborted (then it throws, and acquisition backs off):
 * - a Modbus exception n: the request's entries are flagged `device_error`, error MODBUS_EX_n;
 * - a timeout: flagged `timeout`, error TG_LINK_TIMEOUT, and the rest of the cycle is not sent
 *   (a unit that did not answer once will not answer the next request either, and each further
 *   timeout would hold the shared bus);
 * - a bad CRC or malformed frame: flagged `parse_error`, error MODBUS_CRC or TG_PARSE_ERROR;
 * - the unit's circuit is open: flagged `timeout`, error TG_CIRCUIT_OPEN, nothing sent.
 */
import { type Driver, type DriverDeps, TgError, isAbort, type QualityFlag, type RawReading, modbusExceptionCode, type RegisterLink } from '../../src/kit.js';
import type { ModbusDeviceConfig } from './config.js';
import { decodeEntry } from './decode.js';
import { planRequests, type PlannedRequest } from './plan.js';

interface Failure {
  flag: QualityFlag;
  code: string;
  detail: string;
  /** Skip the remaining requests of this cycle. */
  stop: boolean;
}

export function createModbusDriver(cfg: ModbusDeviceConfig, deps: DriverDeps<RegisterLink>): Driver {
  const { link, clock, timeoutMs, reportError, log } = deps;
  const plan = planRequests(cfg.registers, cfg);

  function classify(err: unknown): Failure | undefined {
    const detail = err instanceof Error ? err.message : String(err);
    const exception = modbusExceptionCode(err);
    if (exception !== undefined) return { flag: 'device_error', code: `MODBUS_EX_${exception}`, detail, stop: false };
    if (!(err instanceof TgError)) return undefined;
    switch (err.code) {
      case 'TG_LINK_TIMEOUT':
        return { flag: 'timeout', code: 'TG_LINK_TIMEOUT', detail, stop: true };
      case 'TG_CIRCUIT_OPEN':
        return { flag: 'timeout', code: 'TG_CIRCUIT_OPEN', detail, stop: true };
      case 'TG_PARSE_ERROR':
        return { flag: 'parse_error', code: /CRC/i.test(detail) ? 'MODBUS_CRC' : 'TG_PARSE_ERROR', detail, stop: false };
      default:
        return undefined; // link down or closed: the cycle fails as a whole
    }
  }

  function flagged(request: PlannedRequest, flag: QualityFlag, time: number): RawReading[] {
    return request.entries.map(({ spec }) => ({ channel: spec.channel, quantity: spec.quantity, unit: spec.unit, value: null, flags: [flag], time }));
  }

  return {
    async connect(): Promise<null> {
      // Modbus has no identity query that simple sensors support: nothing to open or check.
      return null;
    },

    async read(signal: AbortSignal): Promise<RawReading[]> {
      const byIndex: RawReading[][] = [];
      let stopped: Failure | undefined;
      for (const request of plan) {
        if (stopped) {
          byIndex.push(flagged(request, stopped.flag, clock.now()));
          continue;
        }
        try {
          const result = await link.exclusive(
            (io) => io.readRegisters(cfg.unit, request.fc, request.address, request.count, timeoutMs, signal),
            signal,
          );
          const time = Math.round((result.sentAt + result.receivedAt) / 2);
          byIndex.push(
            request.entries.map(({ spec, offset, count }) => {
              const decoded = decodeEntry(result.registers.slice(offset, offset + count), spec);
              const reading: RawReading = { channel: spec.channel, quantity: spec.quantity, unit: spec.unit, value: decoded.value, time };
              if (decoded.flags.length > 0) reading.flags = [...decoded.flags];
              if (spec.u !== undefined && decoded.value !== null) reading.u = spec.u;
              return reading;
            }),
          );
        } catch (err) {
          if (signal.aborted || isAbort(err)) throw err;
          const failure = classify(err);
          if (!failure) throw err;
          reportError(failure.code, failure.detail);
          log.debug({ unit: cfg.unit, code: failure.code, detail: failure.detail }, 'modbus request failed');
          byIndex.push(flagged(request, failure.flag, clock.now()));
          if (failure.stop) stopped = failure;
        }
      }
      // Readings in register-map order, whatever order the requests went out in.
      const out: RawReading[] = [];
      plan.forEach((request, r) => request.entries.forEach((e, k) => (out[e.index] = byIndex[r]![k]!)));
      return out.filter((r) => r !== undefined);
    },

    async close(): Promise<void> {},
  };
}
