import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** Parses '500ms', '2s', '5m', '1h', '30d' into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A duration in the configuration: a string with a unit ('2s', '30d') or a number of milliseconds. */
export function duration() {
  return z
    .union([
      z.number().nonnegative().describe('milliseconds'),
      z.string().regex(PATTERN, 'expected a duration such as "500ms", "2s", "5m", "1h" or "30d"'),
    ])
    .transform((v) => (typeof v === 'number' ? v : parseDuration(v)!));
}
