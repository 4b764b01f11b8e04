/**
 * Journal records as InfluxDB line protocol (src/sinks/influx/lines.ts): one line per record, a
 * field per channel. Lines are read back with a small line-protocol parser written here from the
 * InfluxDB 1.x rules (not the builder's code), so escaping is checked by what a reader gets back.
 */
import { describe, expect, it } from 'vitest';
import type { AcquisitionRecord, ChannelReading, EventRecord, JournalRecord, LegacyReadingRecord } from '../../src/core/types.js';
import { LineBuilder, MEASUREMENT, timestampNs, worstVerdict } from '../../src/sinks/influx/lines.js';

const TIME = Date.UTC(2026, 0, 15, 12, 0, 0, 250);

function acquisition(seq: number, channels: Record<string, ChannelReading>, over: Partial<AcquisitionRecord> = {}): AcquisitionRecord {
  return { v: 2, seq, kind: 'acquisition', gateway: 'gw-1', lab: 'PTB', time: TIME, clock: 'yes', device: 'dmm-1', channels, prevHash: 'a', hash: 'b', ...over };
}

function event(seq: number, over: Partial<EventRecord> = {}, e: Partial<EventRecord['event']> = {}): EventRecord {
  return {
    v: 2,
    seq,
    kind: 'event',
    gateway: 'gw-1',
    lab: 'PTB',
    time: TIME,
    clock: 'unknown',
    event: { type: 'gap', time: TIME, severity: 'alarm', message: 'dropped', data: { firstSeq: 1, lastSeq: 5, count: 5 }, ...e },
    prevHash: 'a',
    hash: 'c'.repeat(64),
    ...over,
  };
}

type FieldValue = number | string | boolean | { int: number };

interface ParsedLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timestamp: string;
}

/**
 * Parses one line the way InfluxDB 1.x reads it: in the measurement a backslash escapes a comma or
 * a space; in tag keys, tag values and field keys it escapes a comma, an equals sign or a space;
 * inside a string field it escapes a double quote or a backslash. Throws on anything else.
 */
function parseLine(line: string): ParsedLine {
  expect(line).not.toMatch(/[\r\n]/); // a line is one line
  let i = 0;
  const readName = (stops: string, escapable: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length && escapable.includes(line[i + 1]!)) {
        out += line[i + 1];
        i += 2;
      } else out += line[i++];
    }
    return out;
  };
  const measurement = readName(', ', ', ');
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const k = readName('=', ',= ');
    if (line[i++] !== '=') throw new Error(`tag ${k} without =`);
    const v = readName(', ', ',= ');
    if (k.length === 0 || v.length === 0) throw new Error('empty tag key or value');
    tags[k] = v;
  }
  if (line[i++] !== ' ') throw new Error(`expected a space after the tags at ${i - 1}: ${line}`);
  const fields: Record<string, FieldValue> = {};
  for (;;) {
    const k = readName('=', ',= ');
    if (line[i++] !== '=') throw new Error(`field ${k} without =`);
    if (k in fields) throw new Error(`field ${k} twice`);
    if (line[i] === '"') {
      i++;
      let s = '';
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error('unterminated string');
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          s += line[i + 1];
          i += 2;
        } else s += line[i++];
      }
      i++;
      fields[k] = s;
    } else {
      const raw = readName(', ', '');
      if (raw === 'true' || raw === 'false') fields[k] = raw === 'true';
      else if (/^-?\d+i$/.test(raw)) fields[k] = { int: Number(raw.slice(0, -1)) };
      else if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) fields[k] = Number(raw);
      else throw new Error(`field ${k}: not a value: ${raw}`);
    }
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  if (line[i++] !== ' ') throw new Error(`expected a space before the timestamp: ${line}`);
  const timestamp = line.slice(i);
  if (!/^-?\d+$/.test(timestamp)) throw new Error(`bad timestamp ${timestamp}`);
  return { measurement, tags, fields, timestamp };
}

const lineOf = (r: JournalRecord, b = new LineBuilder('gw-1', 'PTB')) => parseLine(b.line(r));

describe('InfluxDB line protocol', () => {
  it('an acquisition becomes ONE readings point: device, gateway and lab tags, a field per channel, clock and seq', () => {
    const rec = acquisition(42, {
      ch1: { quantity: 'voltage', value: 10.0000025, unit: 'V', u: 2e-7 },
      ch2: { quantity: 'voltage', value: -0.5, unit: 'V' },
      ch3: { quantity: 'voltage', value: 3, unit: 'V', flags: ['settling', 'clock_step'] },
      ch4: { quantity: 'voltage', value: 1e-12, unit: 'V', extra: { nplc: 10, range: 'auto', az: true } },
      ch5: { quantity: 'voltage', value: 1.5e21, unit: 'V' },
    });
    const line = new LineBuilder('gw-1', 'PTB').line(rec);
    expect(line.split('\n')).toHaveLength(1);
    expect(parseLine(line)).toEqual({
      measurement: MEASUREMENT.readings,
      tags: { device: 'dmm-1', gateway: 'gw-1', lab: 'PTB' },
      fields: {
        ch1: 10.0000025,
        ch1_u: 2e-7,
        ch2: -0.5,
        ch3: 3,
        ch3_flags: 'settling,clock_step',
        ch4: 1e-12,
        ch4_x_nplc: 10,
        ch4_x_range: 'auto',
        ch4_x_az: true,
        ch5: 1.5e21,
        clock: 'yes',
        seq: { int: 42 },
      },
      timestamp: `${TIME}000042`,
    });
    // Tags sorted by key, as InfluxDB prefers.
    expect(line.startsWith('readings,device=dmm-1,gateway=gw-1,lab=PTB ')).toBe(true);
  });

  it('leaves out a null value (the flags say why), and still writes the channel flags, clock and seq', () => {
    const p = lineOf(
      acquisition(3, { rh: { quantity: 'humidity', value: null, unit: '%RH', flags: ['unavailable'] }, t: { quantity: 'temperature', value: 23.1, unit: '°C' } }, { clock: 'no' }),
    );
    expect(p.fields).not.toHaveProperty('rh');
    expect(p.fields).toEqual({ rh_flags: 'unavailable', t: 23.1, clock: 'no', seq: { int: 3 } });
    // Every channel null and unflagged: the point still carries clock and seq (its seq is accounted for).
    expect(lineOf(acquisition(4, { x: { quantity: 'q', value: null, unit: '' } })).fields).toEqual({ clock: 'yes', seq: { int: 4 } });
  });

  it("a watched channel carries its worst verdict, E_n, E_b and verified as fields of the same point", () => {
    const p = lineOf(
      acquisition(7, {
        dcv: {
          quantity: 'voltage',
          value: 10.0000021,
          unit: 'V',
          standard: 'Z1',
          verdicts: [
            { check: 'lifecycle', result: 'info', detail: 'measuring' },
            { check: 'prediction', result: 'pass', value: 0.42 },
            { check: 'drift_rate', result: 'warn', value: 1.7, detail: 'b = -3e-8' },
            { check: 'settling', result: 'pass' },
          ],
          verified: false,
        },
        internal: { quantity: 'temperature', value: 31, unit: '°C' },
      }),
    );
    expect(p.fields).toEqual({
      dcv: 10.0000021,
      dcv_verdict: 'warn',
      dcv_En: 0.42,
      dcv_Eb: 1.7,
      dcv_verified: false,
      internal: 31,
      clock: 'yes',
      seq: { int: 7 },
    });
    // No checks measurement any more: one line, whatever the verdicts.
    expect(p.measurement).toBe('readings');
    // A prediction not judged (no value) gives no E_n; a failed verdict ranks first.
    const q = lineOf(
      acquisition(8, {
        dcv: { quantity: 'voltage', value: 10, unit: 'V', verdicts: [{ check: 'prediction', result: 'info', detail: 'not judged' }, { check: 'quality', result: 'fail' }], verified: true },
      }),
    );
    expect(q.fields).toEqual({ dcv: 10, dcv_verdict: 'fail', dcv_verified: true, clock: 'yes', seq: { int: 8 } });
  });

  it('channels named like the point\'s own fields (seq, clock, time) get a _value suffix', () => {
    const p = lineOf(
      acquisition(9, {
        seq: { quantity: 'count', value: 1, unit: '' },
        clock: { quantity: 'time', value: 2, unit: 's', u: 0.1, flags: ['timeout'] },
        time: { quantity: 'time', value: 3, unit: 's' },
        value: { quantity: 'x', value: 4, unit: '' },
      }),
    );
    expect(p.fields).toEqual({
      seq_value: 1,
      clock_value: 2,
      clock_value_u: 0.1,
      clock_value_flags: 'timeout',
      time_value: 3,
      value: 4,
      clock: 'yes',
      seq: { int: 9 },
    });
  });

  it('escapes spaces, commas and equals signs in device and channel names and tag values, and quotes, backslashes and line breaks in string fields', () => {
    const b = new LineBuilder('gw 1,a=b', 'P T,B');
    const rec = acquisition(
      11,
      {
        'ch 1,a=b': { quantity: 'voltage', value: 1.25, unit: 'V', extra: { 'na me': 'say "hi" \\ back\\slash', multi: 'line1\nline2\r\nline3' } },
      },
      { device: 'dmm 1,x=y' },
    );
    const line = b.line(rec);
    expect(line).not.toMatch(/[\r\n]/);
    const p = parseLine(line);
    expect(p.tags).toEqual({ device: 'dmm 1,x=y', gateway: 'gw 1,a=b', lab: 'P T,B' });
    expect(p.fields['ch 1,a=b']).toBe(1.25);
    expect(p.fields['ch 1,a=b_x_na me']).toBe('say "hi" \\ back\\slash');
    // Line protocol cannot carry a line break: it becomes the two characters \n.
    expect(p.fields['ch 1,a=b_x_multi']).toBe('line1\\nline2\\nline3');
    // A line break in a name or tag value becomes a space.
    const broken = parseLine(new LineBuilder('gw', 'LAB').line(acquisition(12, { 'a\nb': { quantity: 'q', value: 1, unit: '' } }, { device: 'd\r\ne' })));
    expect(broken.tags.device).toBe('d e');
    expect(broken.fields['a b']).toBe(1);
    // The cache of escaped names gives the same line the second time.
    expect(b.line(rec)).toBe(line);
  });

  it('a version 1 reading record is written as the one-channel acquisition it is', () => {
    const legacy: LegacyReadingRecord = {
      seq: 5,
      kind: 'reading',
      gateway: 'gw-1',
      lab: 'PTB',
      time: TIME + 0.5,
      reading: { device: 'dmm 1', channel: 'ch1', quantity: 'voltage', value: 10.0000025, unit: 'V', u: 2e-7, time: TIME, flags: ['settling'], extra: { nplc: 10 } },
      standard: 'zener-1',
      verdicts: [
        { check: 'drift_rate', result: 'pass', value: 0.3 },
        { check: 'step', result: 'warn', detail: 'cusum 4.1' },
      ],
      verified: false,
      prevHash: 'a',
      hash: 'b',
    };
    const p = lineOf(legacy);
    expect(p).toEqual({
      measurement: 'readings',
      tags: { device: 'dmm 1', gateway: 'gw-1', lab: 'PTB' },
      fields: {
        ch1: 10.0000025,
        ch1_u: 2e-7,
        ch1_flags: 'settling',
        ch1_x_nplc: 10,
        ch1_verdict: 'warn',
        ch1_Eb: 0.3,
        ch1_verified: false,
        clock: 'unknown', // version 1 records without a clock
        seq: { int: 5 },
      },
      timestamp: `${TIME}000005`,
    });
    // And it is the same line as the equivalent version 2 acquisition.
    const v2 = acquisition(
      5,
      { ch1: { quantity: 'voltage', value: 10.0000025, unit: 'V', u: 2e-7, flags: ['settling'], extra: { nplc: 10 }, standard: 'zener-1', verdicts: legacy.verdicts!, verified: false } },
      { device: 'dmm 1', clock: 'unknown' },
    );
    expect(new LineBuilder('gw-1', 'PTB').line(legacy)).toBe(new LineBuilder('gw-1', 'PTB').line(v2));
  });

  it('events go to the events measurement with their tags and data as JSON; seals to seals with their hash', () => {
    const e = lineOf(event(9, { standard: 'Z 1' }, { device: 'dmm,1', message: 'a "quoted"\nmessage' }));
    expect(e).toEqual({
      measurement: 'events',
      tags: { device: 'dmm,1', gateway: 'gw-1', lab: 'PTB', severity: 'alarm', standard: 'Z 1', type: 'gap' },
      fields: { data: JSON.stringify({ firstSeq: 1, lastSeq: 5, count: 5 }), message: 'a "quoted"\\nmessage', seq: { int: 9 } },
      timestamp: `${TIME}000009`,
    });
    expect(JSON.parse(e.fields.data as string)).toEqual({ firstSeq: 1, lastSeq: 5, count: 5 });
    // No device, no standard, no data: those tags and the data field are left out.
    const bare = lineOf(event(10, {}, { type: 'gateway_started', severity: 'info', message: 'up', data: undefined }));
    expect(bare.tags).toEqual({ gateway: 'gw-1', lab: 'PTB', severity: 'info', type: 'gateway_started' });
    expect(bare.fields).toEqual({ message: 'up', seq: { int: 10 } });

    const sealData = { keyId: 'k1', headSeq: 10, headHash: 'd'.repeat(64), signature: 'c2ln' };
    const s = lineOf(event(11, { kind: 'seal' }, { type: 'seal', severity: 'info', message: 'sealed 1..10', data: sealData }));
    expect(s).toEqual({
      measurement: 'seals',
      tags: { gateway: 'gw-1', lab: 'PTB' },
      fields: { data: JSON.stringify(sealData), hash: 'c'.repeat(64), message: 'sealed 1..10', seq: { int: 11 } },
      timestamp: `${TIME}000011`,
    });
  });

  it('the same record always becomes the same line; different seqs never share a timestamp', () => {
    const r = acquisition(7, { ch1: { quantity: 'voltage', value: 1, unit: 'V' } });
    expect(new LineBuilder('gw-1', 'PTB').line(r)).toBe(new LineBuilder('gw-1', 'PTB').line(structuredClone(r)));
    expect(timestampNs({ time: TIME, seq: 7 })).toBe(`${TIME}000007`);
    expect(timestampNs({ time: TIME + 0.9, seq: 1_000_008 })).toBe(`${TIME}000008`);
    const stamps = new Set(Array.from({ length: 1000 }, (_, i) => timestampNs({ time: TIME, seq: i + 1 })));
    expect(stamps.size).toBe(1000);
  });

  it('the worst verdict ranks fail > warn > pass > info', () => {
    expect(worstVerdict([{ check: 'a', result: 'info' }, { check: 'b', result: 'pass' }])).toBe('pass');
    expect(worstVerdict([{ check: 'a', result: 'fail' }, { check: 'b', result: 'warn' }])).toBe('fail');
    expect(worstVerdict([])).toBeUndefined();
    expect(worstVerdict(undefined)).toBeUndefined();
  });
});
