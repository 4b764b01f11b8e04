import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEntry, decodeRaw, scaledValue, shortestFloat32, valueBytes } from '../../drivers/modbus/decode.js';
import { registerSpec, REGISTER_TYPES, type RegisterSpecInput } from '../../drivers/modbus/registers.js';
import { encodeRaw, encodeValue } from '../../simulators/modbus/encode.js';

const spec = (s: Partial<RegisterSpecInput>) =>
  registerSpec.parse({ channel: 'c', quantity: 'q', unit: 'u', address: 0, ...s });

/**
 * Expected registers are worked out by hand from the IEEE 754 / two's complement bit patterns.
 * Order names: words MS-first ("big") or LS-first ("little"); bytes in a register high-first
 * ("big") or swapped ("little").
 */
describe('Modbus register decoding', () => {
  it('scales an integer by a power of ten by division, to the double the 15-digit rounding gives', () => {
    const byRounding = (n: number, scale: number, offset: number) => Number((n * scale + offset).toPrecision(15));
    const scales = [0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6, 1e-9, 1e-12, 1e-22];
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -32768, max: 65535 }), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer({ min: -(1e15 - 1), max: 1e15 - 1 })),
        fc.constantFrom(...scales),
        (n, scale) => Object.is(scaledValue(n, scale, 0), byRounding(n, scale, 0)),
      ),
      { numRuns: 20_000 },
    );
    for (const n of [0, -0, 1, -1, 2345, 65535, -32768]) for (const scale of scales) expect(Object.is(scaledValue(n, scale, 0), byRounding(n, scale, 0))).toBe(true);
    // Anything else takes the rounding itself.
    expect(scaledValue(2345, 0.5, 0)).toBe(1172.5);
    expect(scaledValue(2345, 0.01, -273.15)).toBe(byRounding(2345, 0.01, -273.15));
    expect(scaledValue(23.5, 0.1, 0)).toBe(byRounding(23.5, 0.1, 0));
  });

  it("decodes the Vaisala manual's example: 0x41F47AE1 sent least significant word first is 30.56 %RH", () => {
    // The manual: register 1 (wire address 0), two registers, IEEE 754 binary32, LS word first;
    // returned value 41F47AE1 hex = 30.56. On the wire: register 0 = 0x7AE1, register 1 = 0x41F4.
    const hmt = spec({ type: 'float32', wordOrder: 'little', addressBase: 1, address: 1 });
    expect(decodeRaw([0x7ae1, 0x41f4], 'float32', 'little', 'big')).toBe(Math.fround(30.56));
    expect(decodeEntry([0x7ae1, 0x41f4], hmt)).toEqual({ value: 30.56, raw: Math.fround(30.56), flags: [] });
    // Read with the wrong word order the same registers give a nonsense value, not 30.56.
    expect(decodeRaw([0x7ae1, 0x41f4], 'float32', 'big', 'big')).not.toBeCloseTo(30.56);
  });

  it('decodes float32 in all four word and byte orders (123456.0 = 0x47F12000, -2.5 = 0xC0200000)', () => {
    expect(decodeRaw([0x47f1, 0x2000], 'float32', 'big', 'big')).toBe(123456);
    expect(decodeRaw([0x2000, 0x47f1], 'float32', 'little', 'big')).toBe(123456);
    expect(decodeRaw([0xf147, 0x0020], 'float32', 'big', 'little')).toBe(123456);
    expect(decodeRaw([0x0020, 0xf147], 'float32', 'little', 'little')).toBe(123456);
    expect(decodeRaw([0xc020, 0x0000], 'float32', 'big', 'big')).toBe(-2.5);
    expect(decodeRaw([0x0000, 0xc020], 'float32', 'little', 'big')).toBe(-2.5);
  });

  it('decodes float64 in all four orders (123456.0 = 0x40FE240000000000, 0.1 = 0x3FB999999999999A)', () => {
    expect(decodeRaw([0x40fe, 0x2400, 0, 0], 'float64', 'big', 'big')).toBe(123456);
    expect(decodeRaw([0, 0, 0x2400, 0x40fe], 'float64', 'little', 'big')).toBe(123456);
    expect(decodeRaw([0xfe40, 0x0024, 0, 0], 'float64', 'big', 'little')).toBe(123456);
    expect(decodeRaw([0, 0, 0x0024, 0xfe40], 'float64', 'little', 'little')).toBe(123456);
    expect(decodeRaw([0x3fb9, 0x9999, 0x9999, 0x999a], 'float64', 'big', 'big')).toBe(0.1);
    expect(decodeRaw([0x999a, 0x9999, 0x9999, 0x3fb9], 'float64', 'little', 'big')).toBe(0.1);
  });

  it('decodes int16 and uint16, with and without swapped bytes (0xFF38 = -200 = 65336)', () => {
    expect(decodeRaw([0xff38], 'int16')).toBe(-200);
    expect(decodeRaw([0x38ff], 'int16', 'big', 'little')).toBe(-200);
    expect(decodeRaw([0xff38], 'uint16')).toBe(65336);
    expect(decodeRaw([0x7fff], 'int16')).toBe(32767);
    expect(decodeRaw([0x8000], 'int16')).toBe(-32768);
    // Word order means nothing for a single register.
    expect(decodeRaw([0x1234], 'uint16', 'little', 'big')).toBe(0x1234);
  });

  it('decodes every 16-bit word as the bytes read through a DataView would (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom('big' as const, 'little' as const), (w, byteOrder) => {
        const view = new DataView(valueBytes([w], 'big', byteOrder).buffer);
        expect(decodeRaw([w], 'int16', 'big', byteOrder)).toBe(view.getInt16(0));
        expect(decodeRaw([w], 'uint16', 'big', byteOrder)).toBe(view.getUint16(0));
      }),
    );
  });

  it('decodes int32 in all four orders (-123456789 = 0xF8A432EB)', () => {
    expect(decodeRaw([0xf8a4, 0x32eb], 'int32', 'big', 'big')).toBe(-123456789);
    expect(decodeRaw([0x32eb, 0xf8a4], 'int32', 'little', 'big')).toBe(-123456789);
    expect(decodeRaw([0xa4f8, 0xeb32], 'int32', 'big', 'little')).toBe(-123456789);
    expect(decodeRaw([0xeb32, 0xa4f8], 'int32', 'little', 'little')).toBe(-123456789);
    expect(decodeRaw([0xffff, 0xfffe], 'int32')).toBe(-2);
  });

  it('decodes uint32 in all four orders (305419896 = 0x12345678)', () => {
    expect(decodeRaw([0x1234, 0x5678], 'uint32', 'big', 'big')).toBe(305419896);
    expect(decodeRaw([0x5678, 0x1234], 'uint32', 'little', 'big')).toBe(305419896);
    expect(decodeRaw([0x3412, 0x7856], 'uint32', 'big', 'little')).toBe(305419896);
    expect(decodeRaw([0x7856, 0x3412], 'uint32', 'little', 'little')).toBe(305419896);
    expect(decodeRaw([0xffff, 0xffff], 'uint32')).toBe(4294967295);
  });

  it('puts the bytes most significant first for every order', () => {
    expect([...valueBytes([0x1234, 0x5678], 'big', 'big')]).toEqual([0x12, 0x34, 0x56, 0x78]);
    expect([...valueBytes([0x1234, 0x5678], 'little', 'big')]).toEqual([0x56, 0x78, 0x12, 0x34]);
    expect([...valueBytes([0x1234, 0x5678], 'big', 'little')]).toEqual([0x34, 0x12, 0x78, 0x56]);
    expect([...valueBytes([0x1234, 0x5678], 'little', 'little')]).toEqual([0x78, 0x56, 0x34, 0x12]);
  });

  it('applies scale and offset without binary noise', () => {
    expect(decodeEntry([2288], spec({ type: 'int16', scale: 0.01 })).value).toBe(22.88);
    expect(decodeEntry([10132], spec({ type: 'int16', scale: 0.1 })).value).toBe(1013.2);
    expect(decodeEntry([0xff38], spec({ type: 'int16', scale: 0.01 })).value).toBe(-2);
    expect(decodeEntry([500], spec({ type: 'uint16', scale: 0.1, offset: -40 })).value).toBe(10);
  });

  it('flags NaN and the sentinel as unavailable, infinity as overrange', () => {
    // Quiet NaN 0x7FC00000, least significant word first as the HMT330 sends it.
    expect(decodeEntry([0x0000, 0x7fc0], spec({ type: 'float32', wordOrder: 'little' }))).toMatchObject({ value: null, flags: ['unavailable'] });
    expect(decodeEntry([0x7ff8, 0, 0, 0], spec({ type: 'float64' }))).toMatchObject({ value: null, flags: ['unavailable'] });
    expect(decodeEntry([0x8000], spec({ type: 'int16', sentinel: -32768, scale: 0.01 }))).toMatchObject({ value: null, flags: ['unavailable'] });
    expect(decodeEntry([0xffff], spec({ type: 'uint16', sentinel: 65535 }))).toMatchObject({ value: null, flags: ['unavailable'] });
    // 9999.0 = 0x461C3C00: a float32 sentinel.
    expect(decodeEntry([0x461c, 0x3c00], spec({ type: 'float32', sentinel: 9999 }))).toMatchObject({ value: null, flags: ['unavailable'] });
    expect(decodeEntry([0x7f80, 0x0000], spec({ type: 'float32' }))).toMatchObject({ value: null, flags: ['overrange'] });
    // A value next to the sentinel is a value.
    expect(decodeEntry([0x8001], spec({ type: 'int16', sentinel: -32768 })).value).toBe(-32767);
  });

  it('gives a float32 as its shortest decimal', () => {
    expect(shortestFloat32(Math.fround(0.03))).toBe(0.03);
    expect(shortestFloat32(Math.fround(1013.25))).toBe(1013.25);
    expect(shortestFloat32(Math.fround(-12.5))).toBe(-12.5);
  });

  it('rejects a register count that does not match the type', () => {
    expect(() => decodeRaw([1], 'float32')).toThrow(RangeError);
  });

  it("round-trips the simulator's encoding for every type and order", () => {
    const orders = fc.constantFrom<'big' | 'little'>('big', 'little');
    const ranges: Record<(typeof REGISTER_TYPES)[number], fc.Arbitrary<number>> = {
      int16: fc.integer({ min: -32768, max: 32767 }),
      uint16: fc.integer({ min: 0, max: 65535 }),
      int32: fc.integer({ min: -2147483648, max: 2147483647 }),
      uint32: fc.integer({ min: 0, max: 4294967295 }),
      float32: fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround),
      float64: fc.double({ noNaN: true, noDefaultInfinity: true }),
    };
    for (const type of REGISTER_TYPES) {
      fc.assert(
        fc.property(ranges[type], orders, orders, (raw, w, b) => {
          const registers = encodeRaw(raw, type, w, b);
          expect(registers.every((r) => Number.isInteger(r) && r >= 0 && r <= 0xffff)).toBe(true);
          expect(Object.is(decodeRaw(registers, type, w, b), raw)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
    // Scaled values: what the simulator serves is what the driver reports.
    const t = spec({ type: 'int16', scale: 0.01, sentinel: -32768 });
    expect(decodeEntry(encodeValue(21.37, t), t).value).toBe(21.37);
    expect(decodeEntry(encodeValue(NaN, t), t).flags).toEqual(['unavailable']);
  });
});
