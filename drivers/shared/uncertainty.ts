/**
 * The `uncertainty` option of the line-instrument drivers (scpi, hp3458a, fluke-1594a): a standard
 * uncertainty (k=1) attached to each numeric reading, u = sqrt((relative·|value|)² + absolute²).
 */
import { z } from 'zod';

/** The option resolved: both parts present (an omitted part is 0). */
export interface Uncertainty {
  relative: number;
  absolute: number;
}

/**
 * The zod schema of the option: `{ relative?, absolute? }`, strict and optional. `describe` gives
 * the descriptions of the two parts (a part without one is left undescribed).
 */
export function uncertaintyOption(describe: { relative?: string; absolute?: string }) {
  const part = (description: string | undefined) => {
    const schema = z.number().nonnegative().optional();
    return description === undefined ? schema : schema.describe(description);
  };
  return z
    .object({ relative: part(describe.relative), absolute: part(describe.absolute) })
    .strict()
    .optional()
    .describe('standard uncertainty (k=1) attached to each reading: u = sqrt((relative·|value|)² + absolute²)');
}

/** undefined when the option is absent or names neither part; otherwise both parts, 0 for an omitted one. */
export function resolveUncertainty(u: { relative?: number | undefined; absolute?: number | undefined } | undefined): Uncertainty | undefined {
  return u && (u.relative !== undefined || u.absolute !== undefined) ? { relative: u.relative ?? 0, absolute: u.absolute ?? 0 } : undefined;
}

/** u = sqrt((relative·|value|)² + absolute²), k = 1. */
export function standardUncertainty(value: number, u: Uncertainty): number {
  return Math.hypot(u.relative * Math.abs(value), u.absolute);
}
