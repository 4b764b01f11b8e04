import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseIdn, parseScpiNumber, parseSystErr } from '../index.js';
import { formatReading } from '../../../simulators/scpi-dmm/format.js';
import { garble } from '../../../simulators/shared/line-device.js';

describe('parseScpiNumber', () => {
  it.each([
    ['+1.00000234E+01', 10.0000234],
    ['-9.99999734E+00', -9.99999734],
    ['1.5e-3', 0.0015],
    ['+10', 10],
    ['-3', -3],
    ['0', 0],
    ['10.', 10],
    ['.5', 0.5],
    ['  +1.000E+01 \r', 10],
  ])('reads the NR1/NR2/NR3 form %j', (text, value) => {
    const parsed = parseScpiNumber(text);
    expect(parsed.kind).toBe('number');
    expect(parsed.kind === 'number' && parsed.value).toBeCloseTo(value, 12);
  });

  it.each(['', '   ', '+1.0#0?2E+0', '1e', '--1', '0x10', 'NaN', 'Infinity', '1,2', '1.0E+01V', '+1.0\xff0E+01', 'e5', '.'])(
    'rejects the garbage %j as invalid',
    (text) => {
      expect(parseScpiNumber(text).kind).toBe('invalid');
    },
  );

  it('rejects numbers beyond the double range', () => {
    expect(parseScpiNumber('1E+999').kind).toBe('invalid');
  });

  it('recognises ±9.9E37 as overrange and 9.91E37 as not-a-number', () => {
    expect(parseScpiNumber('+9.90000000E+37')).toEqual({ kind: 'overrange', value: 9.9e37 });
    expect(parseScpiNumber('-9.9E37')).toEqual({ kind: 'overrange', value: -9.9e37 });
    expect(parseScpiNumber('+9.91000000E+37')).toEqual({ kind: 'nan' });
    expect(parseScpiNumber('9.8E37').kind).toBe('number');
  });

  it('reads back every value the simulator formats, and never a garbled one', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e30, max: 1e30, noNaN: true }), (v) => {
        const text = formatReading(v);
        expect(text).toMatch(/^[+-]\d\.\d{8}E[+-]\d{2,3}$/);
        const parsed = parseScpiNumber(text);
        expect(parsed.kind).toBe('number');
        if (parsed.kind === 'number') expect(Math.abs(parsed.value - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-8);
        expect(parseScpiNumber(garble(text)).kind).toBe('invalid');
      }),
    );
  });
});

describe('parseIdn', () => {
  it('splits manufacturer, model, serial and firmware, trimming each', () => {
    expect(parseIdn('Keysight Technologies,34465A,MY59001234,A.03.01-03.15-03.01-00.52-03-02')).toEqual({
      manufacturer: 'Keysight Technologies',
      model: '34465A',
      serial: 'MY59001234',
      firmware: 'A.03.01-03.15-03.01-00.52-03-02',
    });
    expect(parseIdn('KEITHLEY INSTRUMENTS INC., MODEL 2182A, 1234567, C02  /A02 ')).toEqual({
      manufacturer: 'KEITHLEY INSTRUMENTS INC.',
      model: 'MODEL 2182A',
      serial: '1234567',
      firmware: 'C02  /A02',
    });
  });

  it('tolerates a missing firmware field and keeps extra commas in the firmware', () => {
    expect(parseIdn('ACME,DMM1,42')).toEqual({ manufacturer: 'ACME', model: 'DMM1', serial: '42' });
    expect(parseIdn('ACME,DMM1,42,1.0,build 7')).toMatchObject({ firmware: '1.0,build 7' });
  });

  it.each(['', '+1.00000234E+01', 'ACME,DMM1', 'ACME,,42,1.0', 'AC\xffME,DMM1,42,1.0'])('rejects %j', (text) => {
    expect(parseIdn(text)).toBeNull();
  });
});

describe('parseSystErr', () => {
  it('reads the empty-queue reply as code 0', () => {
    expect(parseSystErr('+0,"No error"')).toEqual({ code: 0, message: 'No error' });
    expect(parseSystErr('0,"NO ERROR"')).toEqual({ code: 0, message: 'NO ERROR' });
  });

  it('reads negative SCPI and positive device-specific codes', () => {
    expect(parseSystErr('-113,"Undefined header"')).toEqual({ code: -113, message: 'Undefined header' });
    expect(parseSystErr(' +201 , "Invalid while in local" ')).toEqual({ code: 201, message: 'Invalid while in local' });
  });

  it('unescapes doubled quotes and accepts an unquoted message', () => {
    expect(parseSystErr('-224,"Illegal parameter value; ""X"""')).toEqual({ code: -224, message: 'Illegal parameter value; "X"' });
    expect(parseSystErr('-350, Queue overflow')).toEqual({ code: -350, message: 'Queue overflow' });
  });

  it.each(['', 'No error', '+1.00000234E+01', '"No error",0', 'x113,"Undefined header"'])('rejects %j', (text) => {
    expect(parseSystErr(text)).toBeNull();
  });
});
