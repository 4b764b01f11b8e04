import { InfluxDB } from 'influx';
import { describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/core/types.js';
import { IntegerField, pointsOf, timestampNs, worstVerdict } from '../../src/sinks/influx/points.js';

const TIME = Date.UTC(2026, 0, 15, 12, 0, 0, 250);

function reading(seq: number, extra: Partial<JournalRecord> = {}): JournalRecord {
  return {
    seq,
    kind: 'reading',
    gateway: 'gw-1',
    lab: 'PTB',
    time: TIME + 0.5,
    reading: { device: 'dmm 1', channel: 'ch1', quantity: 'voltage', value: 10.0000025, unit: 'V', u: 2e-7, time: TIME + 0.5, flags: ['settling'], extra: { nplc: 10, range: 'auto', az: true } },
    standard: 'zener-1',
    verdicts: [
      { check: 'drift', result: 'pass', value: 0.3 },
      { check: 'step', result: 'warn', detail: 'cusum 4.1' },
    ],
    verified: false,
    prevHash: 'a',
    hash: 'b',
    ...extra,
  };
}

/** The line protocol the `influx` package would send for these points (its own formatter). */
function lines(points: ReturnType<typeof pointsOf>): string[] {
  const client = new InfluxDB({ host: '127.0.0.1', database: 'x' });
  return points.map((p) => {
    const parsed = client.parsePoint(p, { precision: 'n' });
    return `${parsed.measurement} ${parsed.fieldsPairs.map(([k, v]) => `${k}=${v}`).join(',')} ${parsed.castedTimestamp}`;
  });
}

describe('InfluxDB points', () => {
  it('a reading becomes one readings point with its tags and fields, and one checks point per verdict', () => {
    const points = pointsOf(reading(42));
    expect(points.map((p) => p.measurement)).toEqual(['readings', 'checks', 'checks']);
    expect(points[0]!.tags).toEqual({ gateway: 'gw-1', lab: 'PTB', standard: 'zener-1', device: 'dmm 1', channel: 'ch1', quantity: 'voltage' });
    expect(points[0]!.fields).toMatchObject({ value: 10.0000025, u: 2e-7, unit: 'V', flags: 'settling', verdict: 'warn', verified: false, x_nplc: 10, x_range: 'auto', x_az: true });
    expect(points[1]!.tags).toMatchObject({ check: 'drift', device: 'dmm 1' });
    expect(points[2]!.fields).toMatchObject({ result: 'warn', detail: 'cusum 4.1' });
    const text = lines(points);
    expect(text[0]).toContain('seq=42i'); // an integer field
    expect(text[0]).toContain('value=10.0000025');
  });

  it('the same record always becomes the same points; different seqs never share a timestamp', () => {
    expect(pointsOf(reading(7))).toEqual(pointsOf(structuredClone(reading(7))));
    expect(timestampNs(reading(7))).toBe(`${TIME}000007`);
    expect(timestampNs(reading(1_000_008))).toBe(`${TIME}000008`);
    const stamps = new Set(Array.from({ length: 1000 }, (_, i) => timestampNs(reading(i + 1))));
    expect(stamps.size).toBe(1000);
  });

  it('leaves out a missing value and empty tags, but always writes seq', () => {
    const r = reading(3, { standard: undefined, verdicts: undefined, verified: undefined });
    r.reading = { ...r.reading!, value: null, flags: ['timeout'], channel: '' };
    delete r.standard;
    const [p] = pointsOf(r);
    expect(p!.fields).not.toHaveProperty('value');
    expect(p!.fields).not.toHaveProperty('verdict');
    expect(p!.tags).not.toHaveProperty('standard');
    expect(p!.tags).not.toHaveProperty('channel');
    expect(p!.fields!.seq).toEqual(new IntegerField(3));
    expect(p!.fields!.flags).toBe('timeout');
  });

  it('events and seals go to their own measurements with their data as JSON', () => {
    const event: JournalRecord = {
      seq: 9,
      kind: 'event',
      gateway: 'gw-1',
      lab: 'PTB',
      time: TIME,
      event: { type: 'gap', time: TIME, severity: 'alarm', message: 'dropped', data: { firstSeq: 1, lastSeq: 5, count: 5 } },
      prevHash: 'a',
      hash: 'b',
    };
    const [e] = pointsOf(event);
    expect(e).toMatchObject({ measurement: 'events', tags: { gateway: 'gw-1', lab: 'PTB', type: 'gap', severity: 'alarm' } });
    expect(JSON.parse(e!.fields!.data as string)).toEqual({ firstSeq: 1, lastSeq: 5, count: 5 });
    const [s] = pointsOf({ ...event, kind: 'seal', event: { ...event.event!, type: 'seal' } });
    expect(s).toMatchObject({ measurement: 'seals', fields: { hash: 'b' } });
  });

  it('the worst verdict ranks fail > warn > pass > info', () => {
    expect(worstVerdict([{ check: 'a', result: 'info' }, { check: 'b', result: 'pass' }])).toBe('pass');
    expect(worstVerdict([{ check: 'a', result: 'fail' }, { check: 'b', result: 'warn' }])).toBe('fail');
    expect(worstVerdict([])).toBeUndefined();
  });
});
