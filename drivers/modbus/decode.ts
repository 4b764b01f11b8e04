import type { QualityFlag } from '../../src/kit.js';
import { REGISTER_COUNT, type Order, type RegisterSpec, type RegisterType } from './registers.js';

/**
 * Register decoding, pure. Registers arrive as 16-bit numbers in address order. The value's bytes
 * are put most significant first: with wordOrder 'little' the registers are taken last-to-first
 * (least significant word first, as Vaisala transmitters send floats), with byteOrder 'little'
 * the two bytes of each register are swapped. The bytes are then read as a big-endian value.
 */

/** The value's bytes, most significant first. */
export function valueBytes(registers: readonly number[], wordOrder: Order, byteOrder: Order): Uint8Array {
  const words = wordOrder === 'little' ? [...registers].reverse() : registers;
  const bytes = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    const hi = (w >>> 8) & 0xff;
    const lo = w & 0xff;
    bytes[2 * i] = byteOrder === 'big' ? hi : lo;
    bytes[2 * i + 1] = byteOrder === 'big' ? lo : hi;
  });
  return bytes;
}

/** The raw number in `registers` (exactly as many as the type occupies), before scale and offset. */
export function decodeRaw(registers: readonly number[], type: RegisterType, wordOrder: Order = 'big', byteOrder: Order = 'big'): number {
  const need = REGISTER_COUNT[type];
  if (registers.length !== need) throw new RangeError(`${type} needs ${need} registers, got ${registers.length}`);
  if (need === 1) {
    // One register: the two bytes as they stand, without a buffer per value.
    const w = registers[0]! & 0xffff;
    const word = byteOrder === 'big' ? w : ((w & 0xff) << 8) | (w >>> 8);
    return type === 'int16' ? (word << 16) >> 16 : word;
  }
  const view = new DataView(valueBytes(registers, wordOrder, byteOrder).buffer);
  switch (type) {
    case 'int16':
      return view.getInt16(0);
    case 'uint16':
      return view.getUint16(0);
    case 'int32':
      return view.getInt32(0);
    case 'uint32':
      return view.getUint32(0);
    case 'float32':
      return view.getFloat32(0);
    case 'float64':
      return view.getFloat64(0);
  }
}

/** Shared by every value that has no flag: nobody adds to it (`Decoded.flags` is read-only). */
const NO_FLAGS: readonly QualityFlag[] = Object.freeze([]);

export interface Decoded {
  /** raw * scale + offset, or null when the device said "not available". */
  value: number | null;
  raw: number;
  flags: readonly QualityFlag[];
}

/**
 * Decodes one entry: raw * scale + offset, rid of binary noise (float32 values as their shortest
 * decimal, scaled values to 15 significant digits). A NaN (floats) or the configured sentinel (compared with the raw value, as the
 * manual gives it) means the device has no value now: value null, flag `unavailable`. Infinite
 * floats are flagged `overrange`.
 */
export function decodeEntry(registers: readonly number[], spec: RegisterSpec): Decoded {
  const raw = decodeRaw(registers, spec.type, spec.wordOrder, spec.byteOrder);
  // A float32 sentinel is compared at float32 precision (-9999.9 is not exactly representable).
  const sentinel = spec.sentinel !== undefined && spec.type === 'float32' ? Math.fround(spec.sentinel) : spec.sentinel;
  if (Number.isNaN(raw) || (sentinel !== undefined && raw === sentinel)) return { value: null, raw, flags: ['unavailable'] };
  if (!Number.isFinite(raw)) return { value: null, raw, flags: ['overrange'] };
  const number = spec.type === 'float32' ? shortestFloat32(raw) : raw;
  return { value: scaledValue(number, spec.scale, spec.offset), raw, flags: NO_FLAGS };
}

/**
 * number * scale + offset to 15 significant digits. The common case, an integer register scaled
 * by a power of ten (0.1, 0.01, …) without offset, is a division: an integer below 10^15 divided by
 * 10^k (k ≤ 22, exact) is the double nearest the exact quotient, a decimal of at most 15 significant
 * digits. The product is within about 2e-16 (relative) of that decimal, less than half a step of
 * the 15-digit rounding, so the rounding gives the same decimal, and the same double, only by way
 * of a string per value. A property test holds the two equal.
 */
export function scaledValue(number: number, scale: number, offset: number): number {
  if (scale === 1 && offset === 0) return number;
  if (offset === 0 && Number.isInteger(number) && Math.abs(number) < 1e15) {
    const divisor = decimalDivisor(scale);
    if (divisor !== 0) return number === 0 ? 0 : number / divisor; // -0 becomes 0, as the rounding makes it
  }
  return Number((number * scale + offset).toPrecision(15));
}

/** 10^k when scale is exactly 1 / 10^k (1 ≤ k ≤ 22), else 0; remembered per scale. */
const divisors = new Map<number, number>();
function decimalDivisor(scale: number): number {
  let d = divisors.get(scale);
  if (d === undefined) {
    d = 0;
    for (let k = 1, p = 10; k <= 22; k++, p *= 10) {
      if (scale === 1 / p) {
        d = p;
        break;
      }
    }
    if (divisors.size < 256) divisors.set(scale, d);
  }
  return d;
}

/**
 * The shortest decimal that is the same float32: what the device meant (30.56, not
 * 30.559999465942383, for 0x41F47AE1). Float64 arithmetic on it then adds no float32 noise.
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}
