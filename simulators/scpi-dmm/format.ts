/** Number and error formatting as a Keysight 34465A prints them on the bus. */

/** SCPI +infinity: what a DMM answers on overload. */
export const OVERLOAD = 9.9e37;
/** SCPI not-a-number. */
export const NOT_A_NUMBER = 9.91e37;

/** `+1.00000234E+01`: sign, one digit, 8 decimals, E, signed two-digit exponent. */
export function formatReading(value: number): string {
  if (!Number.isFinite(value)) return formatReading(Number.isNaN(value) ? NOT_A_NUMBER : Math.sign(value) * OVERLOAD);
  const [mantissa, exponent] = Math.abs(value).toExponential(8).split('e') as [string, string];
  const exp = Number(exponent);
  return `${value < 0 ? '-' : '+'}${mantissa}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A number in the form settings queries answer with (`+1.00000000E+01`). */
export const formatSetting = formatReading;
