import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planRequests } from '../../drivers/modbus/plan.js';
import { findProfile } from '../../drivers/modbus/profiles/index.js';
import { REGISTER_COUNT, REGISTER_TYPES, registerSpec, wireAddress, type RegisterSpec, type RegisterSpecInput } from '../../drivers/modbus/registers.js';

const entry = (channel: string, s: Partial<RegisterSpecInput>): RegisterSpec =>
  registerSpec.parse({ channel, quantity: 'q', unit: 'u', address: 0, ...s });
const profile = (name: string) => findProfile(name)!.registers.map((r) => registerSpec.parse(r));
const defaults = { maxRegistersPerRequest: 120, maxGap: 0 };

describe('Modbus request planning', () => {
  it('reads the HMT330 map (two floats at registers 1-4, 1-based) in one FC 3 request at wire address 0', () => {
    const plan = planRequests(profile('vaisala-hmt330'), defaults);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ fc: 3, address: 0, count: 4 });
    expect(plan[0]!.entries.map((e) => [e.spec.channel, e.offset, e.count])).toEqual([
      ['humidity', 0, 2],
      ['temperature', 2, 2],
    ]);
  });

  it('reads the case-logger map (14 mixed registers) in one FC 4 request', () => {
    const plan = planRequests(profile('case-logger'), defaults);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ fc: 4, address: 0, count: 14 });
    expect(plan[0]!.entries).toHaveLength(9);
  });

  it('splits at maxRegistersPerRequest without ever splitting a value', () => {
    const floats = Array.from({ length: 10 }, (_, i) => entry(`f${i}`, { address: 2 * i, type: 'float32' }));
    const plan = planRequests(floats, { maxRegistersPerRequest: 5, maxGap: 0 });
    // 5 registers hold two whole floats (4); the fifth register would cut the third float.
    expect(plan.map((r) => [r.address, r.count])).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
      [12, 4],
      [16, 4],
    ]);
  });

  it('joins entries across a gap only up to maxGap', () => {
    const map = [entry('a', { address: 0 }), entry('b', { address: 10 })];
    expect(planRequests(map, { maxRegistersPerRequest: 120, maxGap: 0 })).toHaveLength(2);
    expect(planRequests(map, { maxRegistersPerRequest: 120, maxGap: 8 })).toHaveLength(2);
    const joined = planRequests(map, { maxRegistersPerRequest: 120, maxGap: 9 });
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ address: 0, count: 11 });
    expect(joined[0]!.entries.map((e) => e.offset)).toEqual([0, 10]);
  });

  it('never mixes function codes, and shares registers that two entries decode', () => {
    const map = [
      entry('h', { address: 0, function: 3 }),
      entry('i', { address: 1, function: 4 }),
      entry('raw', { address: 5, type: 'uint32' }),
      entry('hi', { address: 5, type: 'uint16' }),
    ];
    const plan = planRequests(map, defaults);
    expect(plan.map((r) => [r.fc, r.address, r.count])).toEqual([
      [3, 0, 1],
      [3, 5, 2],
      [4, 1, 1],
    ]);
    expect(plan[1]!.entries.map((e) => e.spec.channel)).toEqual(['raw', 'hi']);
  });

  it('refuses a value bigger than a request may be', () => {
    expect(() => planRequests([entry('d', { type: 'float64' })], { maxRegistersPerRequest: 3, maxGap: 0 })).toThrow(RangeError);
  });

  it('covers every entry exactly once, whole, within the limit, for any map', () => {
    const arbEntry = fc.record({
      address: fc.integer({ min: 0, max: 300 }),
      type: fc.constantFrom(...REGISTER_TYPES),
      function: fc.constantFrom<3 | 4>(3, 4),
    });
    fc.assert(
      fc.property(fc.array(arbEntry, { minLength: 1, maxLength: 40 }), fc.integer({ min: 4, max: 125 }), fc.integer({ min: 0, max: 10 }), (raw, max, gap) => {
        const map = raw.map((r, i) => entry(`c${i}`, r));
        const plan = planRequests(map, { maxRegistersPerRequest: max, maxGap: gap });
        const seen = plan.flatMap((r) => r.entries.map((e) => e.index)).sort((a, b) => a - b);
        expect(seen).toEqual(map.map((_, i) => i));
        for (const r of plan) {
          expect(r.count).toBeLessThanOrEqual(max);
          for (const e of r.entries) {
            expect(e.spec.function).toBe(r.fc);
            expect(r.address + e.offset).toBe(wireAddress(e.spec));
            expect(e.offset + REGISTER_COUNT[e.spec.type]).toBeLessThanOrEqual(r.count);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
