import { TgError } from '../../core/errors.js';

/** The Modbus exception codes and what they mean (Modbus Application Protocol v1.1b3, §7). */
export const MODBUS_EXCEPTIONS: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** A unit answered with a Modbus exception: code TG_MODBUS_EXCEPTION plus the exception code. */
export class ModbusExceptionError extends TgError {
  constructor(
    readonly exceptionCode: number,
    readonly unit: number,
  ) {
    super('TG_MODBUS_EXCEPTION', `unit ${unit}: exception ${exceptionCode} (${MODBUS_EXCEPTIONS[exceptionCode] ?? 'unknown'})`);
    this.name = 'ModbusExceptionError';
  }
}

/** The Modbus exception code carried by an error, if it is one. */
export function modbusExceptionCode(err: unknown): number | undefined {
  return err instanceof ModbusExceptionError ? err.exceptionCode : undefined;
}
