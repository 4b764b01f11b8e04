/**
 * The `prologix` link: one GPIB instrument behind a Prologix GPIB-ETHERNET adapter (manual v1.6),
 * and the adapter's side of the protocol. A line starting with an unescaped `++` is a command to
 * the adapter; any other line is data for the instrument at `++addr`. An unescaped CR or LF ends
 * a line and is not sent to the instrument; the adapter appends the GPIB terminator chosen with
 * `++eos` (and asserts EOI with `++eoi 1`). So CR, LF, ESC and '+' inside instrument data must
 * each be preceded by ESC.
 */
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { reconnect, terminator } from './config.js';

export const ESC = '\x1b';

/** Prefixes every CR, LF, ESC and '+' with ESC, so the adapter passes them to the instrument. */
export function escapeForPrologix(text: string): string {
  return text.replace(/[\r\n\x1b+]/g, (c) => ESC + c);
}

/** `++eos`: what the adapter appends to instrument data: 0 CR LF, 1 CR, 2 LF, 3 nothing. */
export type PrologixEos = 0 | 1 | 2 | 3;

export interface PrologixSetup {
  address: number;
  eos: PrologixEos;
  /** `++read_tmo_ms`: how long one `++read` waits for the instrument (1..3000 ms). */
  readTimeoutMs: number;
}

/**
 * The adapter commands sent on every (re)connection, in order. `++savecfg 0` comes first so that
 * the settings below are not written to the adapter's EEPROM on every reconnect (it wears out);
 * `++auto 0` because read-after-write would address the instrument to talk after commands that
 * have no reply; `++eot_enable 0` so replies arrive exactly as the instrument sent them.
 */
export function adapterSetupCommands(s: PrologixSetup): string[] {
  return [
    '++savecfg 0',
    '++mode 1',
    `++addr ${s.address}`,
    '++auto 0',
    '++eoi 1',
    `++eos ${s.eos}`,
    '++eot_enable 0',
    `++read_tmo_ms ${s.readTimeoutMs}`,
  ];
}

export const prologixLinkConfig = z
  .object({
    id: z.string().min(1),
    type: z.literal('prologix'),
    host: z.string().min(1).optional().describe("the adapter's address"),
    port: z.number().int().min(1).max(65535).default(1234).describe("the adapter's fixed port; it serves one TCP client at a time"),
    simulator: z.string().optional().describe('instead of host: the id of an in-process simulator of this configuration'),
    address: z.number().int().min(0).max(30).describe("the instrument's GPIB primary address (++addr)"),
    eos: z
      .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])
      .default(2)
      .describe('++eos: terminator the adapter appends to commands (0 CR LF, 1 CR, 2 LF, 3 none: EOI only)'),
    readTimeout: duration()
      .refine((ms) => ms >= 1 && ms <= 3000, 'the adapter waits 1 ms to 3 s per ++read')
      .default(3000)
      .describe('++read_tmo_ms; a reply slower than this (a long integration) is fetched by repeating ++read until the device timeout'),
    readTerminator: terminator.default('LF').describe("ends the instrument's reply lines (a trailing CR is always stripped)"),
    connectTimeout: duration().default(5000),
    reconnect,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if ((cfg.host === undefined) === (cfg.simulator === undefined))
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'give either host or simulator' });
  })
  .describe('an instrument on GPIB behind a Prologix GPIB-ETHERNET adapter (any GPIB instrument a line driver speaks to)');

export type PrologixLinkConfig = z.infer<typeof prologixLinkConfig>;
