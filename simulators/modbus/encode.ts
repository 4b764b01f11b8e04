import type { RegisterSpec, RegisterType } from '../../drivers/modbus/registers.js';
import { REGISTER_COUNT } from '../../drivers/modbus/registers.js';

/**
 * The simulator's side of a register map: a value becomes registers in address order. Written
 * independently of the driver's decoder (they meet only on the wire), so a mistake in one is not
 * silently undone by the same mistake in the other.
 */

const RANGES: Partial<Record<RegisterType, [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** The raw number the device would hold for `value` (scale and offset undone, integers rounded
 *  and clamped). NaN stays NaN for floats and becomes the sentinel (or 0) for integers. */
export function rawFor(value: number, spec: Pick<RegisterSpec, 'type' | 'scale' | 'offset' | 'sentinel'>): number {
  const range = RANGES[spec.type];
  if (Number.isNaN(value)) return range ? (spec.sentinel ?? 0) : NaN;
  const raw = (value - spec.offset) / spec.scale;
  if (!range) return raw;
  return Math.min(range[1], Math.max(range[0], Math.round(raw)));
}

/** Registers (address order) holding `raw` as `type` with the given word and byte order. */
export function encodeRaw(raw: number, type: RegisterType, wordOrder: 'big' | 'little', byteOrder: 'big' | 'little'): number[] {
  const n = REGISTER_COUNT[type];
  const view = new DataView(new ArrayBuffer(n * 2));
  if (type === 'int16') view.setInt16(0, raw);
  else if (type === 'uint16') view.setUint16(0, raw);
  else if (type === 'int32') view.setInt32(0, raw);
  else if (type === 'uint32') view.setUint32(0, raw);
  else if (type === 'float32') view.setFloat32(0, raw);
  else view.setFloat64(0, raw);
  // Most significant word first, each word high byte first: then reorder as the device does.
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    const hi = view.getUint8(2 * i);
    const lo = view.getUint8(2 * i + 1);
    words.push(byteOrder === 'big' ? (hi << 8) | lo : (lo << 8) | hi);
  }
  return wordOrder === 'little' ? words.reverse() : words;
}

export function encodeValue(value: number, spec: RegisterSpec): number[] {
  return encodeRaw(rawFor(value, spec), spec.type, spec.wordOrder, spec.byteOrder);
}
