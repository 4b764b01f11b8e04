import { describe, it, expect } from 'vitest';
import { parseFetch, parseIdn, parseStatusRegister, parseSystErr } from '../parse.js';
import { garble, normalizeHeader } from '../../../simulators/fluke-1594a/instrument.js';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../test/helpers/instrument-rig.js';
import { fluke1594aDriver } from '../index.js';
import { fluke1594aSimulator } from '../../../simulators/fluke-1594a/index.js';

describe('parseFetch', () => {
  it.each([
    ['23.01234', { kind: 'number', value: 23.01234 }],
    ['23.01234,C', { kind: 'number', value: 23.01234, unit: 'C' }],
    ['25.501234,O\r', { kind: 'number', value: 25.501234, unit: 'O' }],
    ['-38.83440,c', { kind: 'number', value: -38.8344, unit: 'C' }],
    ['296.16123,K,1,2026-01-01,12:00:00', { kind: 'number', value: 296.16123, unit: 'K' }],
    ['1.0E+01', { kind: 'number', value: 10 }],
  ])('reads %j', (text, expected) => {
    expect(parseFetch(text)).toEqual(expected);
  });

  it.each(['', '  ', garble('23.01234,C'), 'abc', '23.0,X', ',C', '23.0.1,C', '1e999', '23.01\xb0C'])(
    'turns the garbage %j into invalid',
    (text) => {
      expect(parseFetch(text).kind).toBe('invalid');
    },
  );
});

describe('parseStatusRegister', () => {
  it.each([
    ['16', 16],
    ['0', 0],
    ['+16', 16],
    [' 16\r', 16],
  ])('reads %j', (text, value) => {
    expect(parseStatusRegister(text)).toBe(value);
  });

  it.each(['', 'x', '-1', '16.0', '999999', '1 6'])('rejects %j', (text) => {
    expect(parseStatusRegister(text)).toBeNull();
  });
});

describe('parseSystErr and parseIdn', () => {
  it('read SYST:ERR? entries and reject anything else', () => {
    expect(parseSystErr('0,"No error"')).toEqual({ code: 0, message: 'No error' });
    expect(parseSystErr('-230,"Data corrupt or stale"')).toEqual({ code: -230, message: 'Data corrupt or stale' });
    expect(parseSystErr('-113')).toBeNull();
    expect(parseSystErr('No error')).toBeNull();
  });

  it('read *IDN? with or without firmware and reject short or unprintable answers', () => {
    expect(parseIdn('FLUKE,1594A,B23456,1.04')).toEqual({ manufacturer: 'FLUKE', model: '1594A', serial: 'B23456', firmware: '1.04' });
    expect(parseIdn('FLUKE,1594A,B23456')).toEqual({ manufacturer: 'FLUKE', model: '1594A', serial: 'B23456' });
    expect(parseIdn('FLUKE,1594A')).toBeNull();
    expect(parseIdn('FLUKE,15\xff94A,B1,1')).toBeNull();
  });
});

const plan = (options: object) => fluke1594aDriver.instrument.plan(fluke1594aDriver.config.parse(options));

describe('fluke-1594a options', () => {
  it('default to temperature in °C on channel 1, new measurements only', () => {
    const r = plan({});
    const m = r.measure[0]!;
    expect(r.setup).toEqual(['*CLS', 'CALC1:TYPE TEMP', 'UNIT:TEMP C']);
    expect([m.channel, m.quantity, m.unit, m.query, r.onlyNew?.query, r.onlyNew?.maxAgeMs]).toEqual(['ch1', 'temperature', '°C', 'FETC?', 'STAT:OPER?', 60_000]);
  });

  it('select resistance in Ω on another channel', () => {
    const r = plan({ channel: 2, measure: 'resistance', maxAge: '5m' });
    const m = r.measure[0]!;
    expect(r.setup).toContain('CALC2:TYPE RES');
    expect([m.channel, m.quantity, m.unit, r.onlyNew?.maxAgeMs]).toEqual(['ch2', 'resistance', 'Ω', 300_000]);
  });
});

describe('normalizeHeader (the simulated thermometer)', () => {
  it.each([
    ['STATUS:OPERATION?', 'STAT:OPER?', undefined],
    ['stat:oper?', 'STAT:OPER?', undefined],
    ['FETCH?', 'FETC?', undefined],
    [':SYSTem:ERRor?', 'SYST:ERR?', undefined],
    ['CALCULATE2:TYPE', 'CALC:TYPE', 2],
    ['*idn?', '*IDN?', undefined],
    ['FETCHES?', 'FETCHES?', undefined],
  ])('reads %j as %j', (header, key, suffix) => {
    expect(normalizeHeader(header)).toEqual({ key, suffix });
  });
});

describe('sample.yaml files', () => {
  it.each(['drivers/fluke-1594a', 'simulators/fluke-1594a'])('%s/sample.yaml is a valid configuration', (folder) => {
    const text = `gateway: { id: sample, lab: LAB }\n${readFileSync(`${folder}/sample.yaml`, 'utf8')}`;
    const result = parseConfig(text, { drivers: [fluke1594aDriver], simulators: [fluke1594aSimulator] }, {});
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
