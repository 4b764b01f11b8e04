import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { adapterSetupCommands, escapeForPrologix } from '../../drivers/hp3458a/prologix.js';
import { parseErrstr, parseHp3458Id, parseHp3458Number } from '../../drivers/hp3458a/parse.js';
import { hp3458aConfig, resolveHp3458aConfig } from '../../drivers/hp3458a/config.js';
import { PrologixDecoder } from '../../simulators/prologix-3458a/decoder.js';
import { formatReading, garble, splitCommands } from '../../simulators/prologix-3458a/instrument.js';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import { hp3458aDriver } from '../../drivers/hp3458a/index.js';
import { prologix3458aSimulator } from '../../simulators/prologix-3458a/index.js';

const ESC = '\x1b';

describe('escapeForPrologix', () => {
  it('leaves text without CR, LF, ESC or + unchanged', () => {
    expect(escapeForPrologix('FUNC DCV,10')).toBe('FUNC DCV,10');
  });

  it('prefixes each of CR, LF, ESC and + with ESC', () => {
    expect(escapeForPrologix('NPLC +1E+2')).toBe(`NPLC ${ESC}+1E${ESC}+2`);
    expect(escapeForPrologix('A\rB\nC\x1bD')).toBe(`A${ESC}\rB${ESC}\nC${ESC}${ESC}D`);
    expect(escapeForPrologix('++ver')).toBe(`${ESC}+${ESC}+ver`);
  });

  it('round-trips any text through the adapter framing as one instrument data frame', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('+', '\r', '\n', ESC, 'A', ' ', ',', '1', '"'), minLength: 1 }), (text) => {
        const frames = new PrologixDecoder().push(escapeForPrologix(text) + '\n');
        expect(frames).toEqual([{ kind: 'data', text }]);
      }),
    );
  });
});

describe('adapterSetupCommands', () => {
  it('disables EEPROM saving first, then sets controller mode, address, no auto-read, EOI, eos and timeout', () => {
    expect(adapterSetupCommands({ gpibAddress: 22, eos: 2, readTmoMs: 3000 })).toEqual([
      '++savecfg 0',
      '++mode 1',
      '++addr 22',
      '++auto 0',
      '++eoi 1',
      '++eos 2',
      '++eot_enable 0',
      '++read_tmo_ms 3000',
    ]);
  });
});

describe('PrologixDecoder (the simulated adapter framing)', () => {
  it('tells adapter commands from instrument data by an unescaped leading ++', () => {
    const d = new PrologixDecoder();
    expect(d.push('++addr 22\n+5\nID?\r\n')).toEqual([
      { kind: 'command', text: 'addr 22' },
      { kind: 'data', text: '+5' },
      { kind: 'data', text: 'ID?' },
    ]);
    expect(d.push(`${ESC}++ver\n+${ESC}+ver\n`)).toEqual([
      { kind: 'data', text: '++ver' },
      { kind: 'data', text: '++ver' },
    ]);
  });

  it('keeps an escaped LF inside the frame and joins frames split across chunks', () => {
    const d = new PrologixDecoder();
    expect(d.push(`DISP MSG,"A${ESC}`)).toEqual([]);
    expect(d.push('\nB"\n')).toEqual([{ kind: 'data', text: 'DISP MSG,"A\nB"' }]);
  });
});

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

describe('hp3458a options', () => {
  it('default to DC volts, 10 V range, 100 PLC, address 22, with internal temperature and error drain', () => {
    const r = resolveHp3458aConfig(hp3458aConfig.parse({}));
    expect(r.setup).toEqual(['PRESET NORM', 'OFORMAT ASCII', 'END ALWAYS', 'TRIG HOLD', 'FUNC DCV,10', 'NPLC 100', 'NDIG 8']);
    expect(r.adapterSetup).toContain('++addr 22');
    expect([r.channel, r.quantity, r.unit]).toEqual(['dcv', 'voltage', 'V']);
    expect(r.internalTemperature && r.drainErrors).toBe(true);
  });

  it('label 4-wire ohms as resistance in Ω', () => {
    const r = resolveHp3458aConfig(hp3458aConfig.parse({ function: 'OHMF', range: 100000, nplc: 50 }));
    expect(r.setup).toContain('FUNC OHMF,100000');
    expect([r.channel, r.quantity, r.unit]).toEqual(['ohmf', 'resistance', 'Ω']);
  });

  it('refuse a read timeout the adapter cannot take (over 3000 ms)', () => {
    expect(hp3458aConfig.safeParse({ readTmoMs: 5000 }).success).toBe(false);
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
