/**
 * The Prologix GPIB-ETHERNET adapter's side of the protocol (manual v1.6): a line starting with
 * an unescaped `++` is a command to the adapter; any other line is data for the instrument at
 * `++addr`. An unescaped CR or LF ends a line and is not sent to the instrument; the adapter
 * appends the GPIB terminator chosen with `++eos` (and asserts EOI with `++eoi 1`). So CR, LF,
 * ESC and '+' inside instrument data must each be preceded by ESC. Pure functions, no I/O.
 */

export const ESC = '\x1b';

/** Prefixes every CR, LF, ESC and '+' with ESC, so the adapter passes them to the instrument. */
export function escapeForPrologix(text: string): string {
  return text.replace(/[\r\n\x1b+]/g, (c) => ESC + c);
}

/** `++eos`: what the adapter appends to instrument data: 0 CR LF, 1 CR, 2 LF, 3 nothing. */
export type PrologixEos = 0 | 1 | 2 | 3;

export interface PrologixSetup {
  gpibAddress: number;
  eos: PrologixEos;
  /** `++read_tmo_ms`: how long one `++read` waits for the instrument (1..3000 ms). */
  readTmoMs: number;
}

/**
 * The adapter commands sent on every connect, in order. `++savecfg 0` comes first so that the
 * settings below are not written to the adapter's EEPROM on every reconnect (it wears out);
 * `++auto 0` because read-after-write would address the 3458A to talk after commands that have no
 * reply; `++eot_enable 0` so replies arrive exactly as the instrument sent them (CR LF).
 */
export function adapterSetupCommands(s: PrologixSetup): string[] {
  return [
    '++savecfg 0',
    '++mode 1',
    `++addr ${s.gpibAddress}`,
    '++auto 0',
    '++eoi 1',
    `++eos ${s.eos}`,
    '++eot_enable 0',
    `++read_tmo_ms ${s.readTmoMs}`,
  ];
}
