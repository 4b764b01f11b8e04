import { z } from 'zod';
import { reconnect } from '../config.js';
import { duration } from '../../config/duration.js';

/** Modbus link configuration: `modbus-rtu` (one RS-485 bus) and `modbus-tcp` (a device or a gateway). */

const breaker = z
  .object({
    failures: z.number().int().min(1).default(3).describe('consecutive failures (timeouts, bad frames) that open the circuit'),
    probeInterval: duration({ min: 1, max: 86_400_000 }).default(10_000).describe('while open, the unit is probed with one request per interval'),
  })
  .strict()
  .default({ failures: 3, probeInterval: 10_000 })
  .describe(
    'per unit id: after `failures` consecutive failures the unit is only probed once per `probeInterval`; ' +
      'other requests to it fail at once (TG_CIRCUIT_OPEN) without touching the bus',
  );

export const modbusRtuLinkConfig = z
  .object({
    id: z.string().min(1),
    type: z.literal('modbus-rtu'),
    path: z.string().min(1).describe('the RS-485 adapter; prefer /dev/serial/by-id/...'),
    baudRate: z.number().int().positive().default(19200),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('even').describe('Modbus over serial line: even parity by default'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    interFrameDelay: duration({ max: 10_000 })
      .optional()
      .describe('silence between the end of one transaction and the next request (default: 3.5 characters, at least 2 ms)'),
    breaker,
    reconnect,
  })
  .strict()
  .describe('Modbus RTU on one serial (RS-485) bus; every device on it names its own unit id');

export const modbusTcpLinkConfig = z
  .object({
    id: z.string().min(1),
    type: z.literal('modbus-tcp'),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional().describe('default 502'),
    simulator: z
      .string()
      .optional()
      .describe('instead of host and port: the id of an in-process simulator of this configuration'),
    connectTimeout: duration({ min: 1, max: 3_600_000 }).default(5000),
    interFrameDelay: duration({ max: 10_000 }).default(0).describe('silence between transactions (some gateways need a few ms)'),
    breaker,
    reconnect,
  })
  .strict()
  .describe('Modbus TCP to a device or an RTU gateway; one connection, one request at a time');

export type ModbusRtuLinkConfig = z.infer<typeof modbusRtuLinkConfig>;
export type ModbusTcpLinkConfig = z.infer<typeof modbusTcpLinkConfig>;

/** 3.5 character times at `baudRate` (11 bits a character), at least 2 ms: the RTU frame gap. */
export function defaultRtuFrameGap(baudRate: number): number {
  return Math.max(2, Math.ceil(((3.5 * 11) / baudRate) * 1000));
}
