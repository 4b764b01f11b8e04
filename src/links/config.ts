import { z } from 'zod';
import { duration } from '../config/duration.js';

export const terminator = z.enum(['LF', 'CR', 'CRLF']);
export type Terminator = z.infer<typeof terminator>;
export const TERMINATOR_TEXT: Record<Terminator, string> = { LF: '\n', CR: '\r', CRLF: '\r\n' };

const HOUR = 3_600_000;

export const reconnect = z
  .object({
    initial: duration({ min: 1, max: 24 * HOUR }).default(500),
    max: duration({ min: 1, max: 24 * HOUR }).default(30_000),
  })
  .strict()
  .refine((r) => r.max >= r.initial, { message: 'must be at least `initial`', path: ['max'] })
  .default({ initial: 500, max: 30_000 })
  .describe('reconnect backoff: exponential with jitter from `initial` doubling up to `max`');

const lineFraming = {
  writeTerminator: terminator.default('LF').describe('appended to every command'),
  readTerminator: terminator.default('LF').describe('ends every reply line (a trailing CR is always stripped)'),
  reconnect,
};

export const tcpLinkConfig = z
  .object({
    id: z.string().min(1),
    type: z.literal('tcp'),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    simulator: z
      .string()
      .optional()
      .describe('instead of host and port: the id of an in-process simulator of this configuration'),
    connectTimeout: duration({ min: 1, max: HOUR }).default(5000),
    ...lineFraming,
  })
  .strict()
  .describe('a raw TCP socket: SCPI on port 5025, a serial device server');

export const serialLinkConfig = z
  .object({
    id: z.string().min(1),
    type: z.literal('serial'),
    path: z.string().min(1).describe('prefer /dev/serial/by-id/... so a re-enumerated adapter is found again'),
    baudRate: z.number().int().positive().default(9600),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    rtscts: z.boolean().default(false),
    ...lineFraming,
  })
  .strict()
  .describe('an RS-232 line');

export type TcpLinkConfig = z.infer<typeof tcpLinkConfig>;
export type SerialLinkConfig = z.infer<typeof serialLinkConfig>;
