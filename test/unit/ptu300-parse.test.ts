import { describe, it, expect } from 'vitest';
import { failedReadings, lineFormat, parseLine, ptu300Config, type ParseResult } from '../../drivers/vaisala-ptu300/index.js';
import { fixed, garble, measurementLine } from '../../simulators/vaisala-ptu300/format.js';

const defaults = lineFormat(ptu300Config.parse({}));

function readings(result: ParseResult) {
  if (!result.ok) throw new Error(`expected a parsed line, got: ${result.reason}`);
  return result.readings;
}

describe('PTU300 line parsing, default format', () => {
  it('reads RH, T and P with their units', () => {
    expect(readings(parseLine("RH= 43.0 %RH T= 21.0 'C P= 1013.2 hPa", defaults))).toEqual([
      { channel: 'humidity', quantity: 'humidity', unit: '%RH', value: 43 },
      { channel: 'temperature', quantity: 'temperature', unit: '°C', value: 21 },
      { channel: 'pressure', quantity: 'pressure', unit: 'hPa', value: 1013.2 },
    ]);
  });

  it('reads values that fill their field (RH=100.0, T=-10.5), extra labels and a prompt', () => {
    const r = readings(parseLine(">RH=100.0 %RH T=-10.5 'C Td= -8.2 'C x=  5.31 g/kg P=  998.0 hPa", defaults));
    expect(r.map((x) => [x.channel, x.value, x.unit])).toEqual([
      ['humidity', 100, '%RH'],
      ['temperature', -10.5, '°C'],
      ['dewpoint', -8.2, '°C'],
      ['mixing_ratio', 5.31, 'g/kg'],
      ['pressure', 998, 'hPa'],
    ]);
  });

  it('parses what the simulator writes, stars included', () => {
    const line = measurementLine({ humidity: 43.04, temperature: 21.01, pressure: 1013.24 }, { rhFailed: false });
    expect(line).toBe("RH= 43.0 %RH T= 21.0 'C P= 1013.2 hPa");
    expect(readings(parseLine(line, defaults)).map((x) => x.value)).toEqual([43, 21, 1013.2]);
  });

  it('turns stars into value null flagged unavailable, keeping the other fields', () => {
    const line = `RH=${fixed(null, 5, 1)} %RH T= 21.0 'C P= 1013.2 hPa`;
    expect(line.startsWith('RH=***.*')).toBe(true);
    const r = readings(parseLine(line, defaults));
    expect(r[0]).toEqual({ channel: 'humidity', quantity: 'humidity', unit: '%RH', value: null, flags: ['unavailable'] });
    expect(r.slice(1).map((x) => x.value)).toEqual([21, 1013.2]);
  });

  it('converts the device unit to the configured one', () => {
    const r = readings(parseLine("RH= 43.0 %RH T= 69.8 'F P= 101.32 kPa", defaults));
    expect(r[1]!.value).toBeCloseTo(21, 10);
    expect(r[1]!.unit).toBe('°C');
    expect(r[2]!.value).toBeCloseTo(1013.2, 10);
  });
});

describe('PTU300 line parsing, damaged lines', () => {
  const full = "RH= 43.0 %RH T= 21.0 'C P= 1013.2 hPa";
  const bad: [string, string][] = [
    ['a garbled digit', "RH= 4#.0 %RH T= 21.0 'C P= 1013.2 hPa"],
    ['a line cut after a label', 'RH= 4#.0 %RH T='],
    ['the tail of a line', full.slice(Math.floor(full.length / 2))],
    ['a head run into the next line', full.slice(0, 18) + full],
    ['binary junk', garble(full, 1)],
    ['pure junk', '\x00\xff\x13\x10'],
    ['an empty line', '   '],
    ['an unconvertible unit', "RH= 43.0 %RH T= 21.0 g/kg P= 1013.2 hPa"],
    ['a missing expected label', "RH= 43.0 %RH T= 21.0 'C"],
    ['text after the fields', "RH= 43.0 %RH T= 21.0 'C P= 1013.2 hPa 17"],
  ];
  it.each(bad)('rejects %s with a reason, without throwing', (_name, line) => {
    const result = parseLine(line, defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it('gives null readings flagged parse_error for each expected channel', () => {
    expect(failedReadings(defaults, 'parse_error', 1000)).toEqual([
      { channel: 'humidity', quantity: 'humidity', unit: '%RH', value: null, flags: ['parse_error'], time: 1000 },
      { channel: 'temperature', quantity: 'temperature', unit: '°C', value: null, flags: ['parse_error'], time: 1000 },
      { channel: 'pressure', quantity: 'pressure', unit: 'hPa', value: null, flags: ['parse_error'], time: 1000 },
    ]);
  });
});

describe('PTU300 line parsing, custom fields', () => {
  it('maps labels to configured channels, with u, and expects only the configured labels', () => {
    const format = lineFormat(
      ptu300Config.parse({
        expect: ['RH', 'T'],
        fields: { T: { channel: 'air_t', quantity: 'temperature', unit: 'K', u: 0.1 }, Tx: { channel: 'probe2', quantity: 'temperature', unit: '°C' } },
      }),
    );
    const r = readings(parseLine("RH= 43.0 %RH T= 21.0 'C Tx= 22.5 'C", format));
    expect(r[0]).toMatchObject({ channel: 'humidity', value: 43 });
    expect(r[1]).toMatchObject({ channel: 'air_t', quantity: 'temperature', unit: 'K', u: 0.1 });
    expect(r[1]!.value).toBeCloseTo(294.15, 10);
    expect(r[2]).toMatchObject({ channel: 'probe2', value: 22.5, unit: '°C' });
  });

  it('reads a FORM without labels through a pattern with named groups', () => {
    const format = lineFormat(ptu300Config.parse({ expect: ['RH', 'T'], pattern: '^\\s*(?<RH>\\S+)\\s+(?<T>\\S+)\\s*$' }));
    expect(readings(parseLine(' 43.0  21.0', format)).map((x) => [x.channel, x.value])).toEqual([
      ['humidity', 43],
      ['temperature', 21],
    ]);
    expect(parseLine(' 43.0', format).ok).toBe(false);
  });

  it('rejects an expected label that has no field, and a pattern without groups', () => {
    expect(ptu300Config.safeParse({ expect: ['Q'] }).success).toBe(false);
    expect(ptu300Config.safeParse({ pattern: '^(\\S+)$' }).success).toBe(false);
  });
});
