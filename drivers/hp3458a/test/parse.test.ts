import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseErrstr, parseHp3458Id, parseHp3458Number } from '../parse.js';
import { hp3458aConfig } from '../index.js';
import { formatReading, garble, splitCommands } from '../../../simulators/prologix-3458a/instrument.js';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../test/helpers/instrument-rig.js';
import { hp3458aDriver } from '../index.js';
import { prologix3458aSimulator } from '../../../simulators/prologix-3458a/index.js';

describe('parseHp3458Number', () => {
  it.each([
    [' 1.000002500E+01', 10.000025],
    ['-1.234567890E-03', -0.00123456789],
    ['36.2', 36.2],
    ['+5', 5],
  ])('reads %j', (text, value) => {
    const parsed = parseHp3458Number(text);
    expect(parsed.kind).toBe('number');
    expect(parsed.kind === 'number' && parsed.value).toBeCloseTo(value, 12);
  });

  it('reads ±1.0E+38 as an overload with its sign', () => {
    expect(parseHp3458Number(' 1.000000000E+38')).toEqual({ kind: 'overrange', value: 1e38 });
    expect(parseHp3458Number('-1.0E+38')).toEqual({ kind: 'overrange', value: -1e38 });
  });

  it.each(['', '  ', ' 1.0000#\xffE+01', 'HP3458A', '1,2', '1.0E+01 V', '1e999', '--1'])('rejects the garbage %j', (text) => {
    expect(parseHp3458Number(text).kind).toBe('invalid');
  });

  it('reads back whatever the simulated meter formats, and never a garbled reading', () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), (value) => {
        const parsed = parseHp3458Number(formatReading(value, 8));
        expect(parsed.kind).toBe('number');
        if (parsed.kind === 'number') expect(Math.abs(parsed.value - value)).toBeLessThanOrEqual(Math.abs(value) * 1e-8 + 1e-300);
        expect(parseHp3458Number(garble(formatReading(value, 8))).kind).toBe('invalid');
      }),
    );
  });
});

describe('parseHp3458Id', () => {
  it('splits HP3458A into maker and model and takes the serial from the configuration', () => {
    expect(parseHp3458Id('HP3458A', '2823A01234')).toEqual({ manufacturer: 'HP', model: '3458A', serial: '2823A01234' });
    expect(parseHp3458Id('HP3457A', '')).toEqual({ manufacturer: 'HP', model: '3457A', serial: '' });
  });

  it('keeps another printable answer as the model, so acquisition reports a mismatch', () => {
    expect(parseHp3458Id('Prologix GPIB-ETHERNET', '')).toEqual({ manufacturer: '', model: 'Prologix GPIB-ETHERNET', serial: '' });
  });

  it('rejects an empty or unprintable answer', () => {
    expect(parseHp3458Id('', '')).toBeNull();
    expect(parseHp3458Id('HP\xff3458A', '')).toBeNull();
  });
});

describe('parseErrstr', () => {
  it('reads the empty register and an error entry', () => {
    expect(parseErrstr('0,"NO ERROR"')).toEqual({ code: 0, message: 'NO ERROR' });
    expect(parseErrstr('102,"TRIGGER TOO FAST"\r')).toEqual({ code: 102, message: 'TRIGGER TOO FAST' });
  });

  it.each(['', 'NO ERROR', '0', '1.5,"X"', '0,NO ERROR'])('rejects %j', (text) => {
    expect(parseErrstr(text)).toBeNull();
  });
});

const plan = (options: object) => hp3458aDriver.instrument.plan(hp3458aConfig.parse(options));

describe('hp3458a options', () => {
  it('default to DC volts, 10 V range, 100 PLC, with internal temperature and error drain', () => {
    const r = plan({});
    const m = r.measure[0]!;
    expect(r.setup).toEqual(['PRESET NORM', 'OFORMAT ASCII', 'END ALWAYS', 'TRIG HOLD', 'FUNC DCV,10', 'NPLC 100', 'NDIG 8']);
    expect([m.channel, m.quantity, m.unit, m.query]).toEqual(['dcv', 'voltage', 'V', 'TRIG SGL']);
    expect(m.extras?.map((x) => x.query)).toEqual(['TEMP?']);
    expect(r.drainErrors).toBe(true);
  });

  it('label 4-wire ohms as resistance in Ω', () => {
    const r = plan({ function: 'OHMF', range: 100000, nplc: 50 });
    const m = r.measure[0]!;
    expect(r.setup).toContain('FUNC OHMF,100000');
    expect([m.channel, m.quantity, m.unit]).toEqual(['ohmf', 'resistance', 'Ω']);
  });

  it('name the link as the new home of the adapter options (gpibAddress, eos, readTmoMs)', () => {
    const result = hp3458aConfig.safeParse({ gpibAddress: 22, readTmoMs: 100 });
    expect(result.success).toBe(false);
    const messages = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^gpibAddress: moved to the link: .*type prologix with address/),
      expect.stringMatching(/^readTmoMs: moved to the link: .*readTimeout/),
    ]);
  });
});

describe('splitCommands (the simulated meter)', () => {
  it('splits on ; outside quotes', () => {
    expect(splitCommands('PRESET NORM;FUNC DCV,10; DISP MSG,"A;B"')).toEqual(['PRESET NORM', 'FUNC DCV,10', 'DISP MSG,"A;B"']);
  });
});

describe('sample.yaml files', () => {
  it.each(['drivers/hp3458a', 'simulators/prologix-3458a'])('%s/sample.yaml is a valid configuration', (folder) => {
    const text = `gateway: { id: sample, lab: LAB }\n${readFileSync(`${folder}/sample.yaml`, 'utf8')}`;
    const result = parseConfig(text, { drivers: [hp3458aDriver], simulators: [prologix3458aSimulator] }, {});
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
