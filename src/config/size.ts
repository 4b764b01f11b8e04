import { z } from 'zod';

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$/i;

/** Parses '512MB', '2GiB', '100kb' into bytes (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024). */
export function parseSize(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNIT_BYTES[m[2]!.toLowerCase()]!);
}

/** A size in the configuration: a string with a unit ('512MB', '2GiB') or a number of bytes. */
export function byteSize() {
  return z
    .union([
      z.number().int().nonnegative().describe('bytes'),
      z.string().regex(PATTERN, 'expected a size such as "500MB", "2GB" or "1GiB"'),
    ])
    .transform((v) => (typeof v === 'number' ? v : parseSize(v)!));
}
