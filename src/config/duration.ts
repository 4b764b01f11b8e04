import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** A hundred years: the default upper bound, for durations that are compared, never slept. */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/** Parses '500ms', '2s', '5m', '1h', '30d' into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** 1 ms → "1ms", 86 400 000 → "24h", 604 800 000 → "7d": the largest unit that divides it
 *  (days from two days on). */
export function formatDuration(ms: number): string {
  if (ms >= 2 * 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export interface DurationLimits {
  /** Smallest allowed value, ms (default 0). */
  min?: number;
  /** Largest allowed value, ms (default MAX_DURATION_MS). */
  max?: number;
  /** 0 is allowed below `min` and means this (e.g. "back to back"). */
  zero?: string;
}

/** The range as the error message and the documentation say it: "1ms to 24h, or 0 (back to back)". */
export function describeLimits(limits: DurationLimits): string {
  const min = limits.min ?? 0;
  const max = limits.max ?? MAX_DURATION_MS;
  return `${formatDuration(min)} to ${formatDuration(max)}${limits.zero !== undefined ? `, or 0 (${limits.zero})` : ''}`;
}

/**
 * A duration in the configuration: a string with a unit ('2s', '30d') or a number of milliseconds,
 * within `limits`. Every duration that ends up in a timer has limits small enough for Node's
 * timers (see core/clock.ts); the default bound only keeps the arithmetic finite.
 */
export function duration(limits: DurationLimits = {}) {
  const min = limits.min ?? 0;
  const max = limits.max ?? MAX_DURATION_MS;
  const inRange = (v: number) => Number.isFinite(v) && ((v >= min && v <= max) || (v === 0 && limits.zero !== undefined));
  return z
    .union([
      z.number().nonnegative().describe(`milliseconds, ${describeLimits(limits)}`),
      z.string().regex(PATTERN, 'expected a duration such as "500ms", "2s", "5m", "1h" or "30d"'),
    ])
    .transform((v) => (typeof v === 'number' ? v : parseDuration(v)!))
    .refine(inRange, `expected a duration from ${describeLimits(limits)}`);
}
