import { describe, expect, it } from 'vitest';
import { StoredRecord } from '../../src/journal/stored.js';
import { RecordTail } from '../../src/journal/tail.js';

const record = (seq: number) => new StoredRecord(seq, 'acquisition', 1_700_000_000_000 + seq, `{"seq":${seq}}`, 'ab'.repeat(32));
const seqs = (rs: readonly StoredRecord[] | undefined) => rs?.map((r) => r.seq);

describe('the journal\'s in-memory tail', () => {
  it('evicts the oldest beyond its record bound, and serves only what it still holds', () => {
    const tail = new RecordTail({ maxRecords: 3, maxBytes: 1 << 20, maxAgeMs: 60_000 }, () => 0);
    tail.push([1, 2, 3, 4, 5].map(record));
    expect(tail.firstSeq).toBe(3);
    expect(seqs(tail.slice(3, 10))).toEqual([3, 4, 5]);
    expect(seqs(tail.slice(6, 10))).toEqual([]); // just past its end: nothing new yet
    expect(tail.slice(2, 10)).toBeUndefined(); // evicted: the reader goes to SQLite
  });

  it('evicts at the next commit what was committed more than maxAgeMs before, however few records it holds', () => {
    let now = 1000;
    const tail = new RecordTail({ maxRecords: 4096, maxBytes: 1 << 20, maxAgeMs: 5000 }, () => now);
    tail.push([1, 2].map(record));
    now += 3000;
    tail.push([3].map(record));
    expect(seqs(tail.slice(1, 10))).toEqual([1, 2, 3]); // 3 s old: still held
    now += 2500;
    tail.push([4].map(record)); // 1 and 2 are 5.5 s old now, 3 is 2.5 s old
    expect(tail.firstSeq).toBe(3);
    expect(tail.slice(2, 10)).toBeUndefined();
    expect(seqs(tail.slice(3, 10))).toEqual([3, 4]);
    now += 60_000;
    tail.push([5].map(record)); // everything before is old: only the new record stays
    expect(tail.size).toBe(1);
    expect(seqs(tail.slice(5, 10))).toEqual([5]);
  });

  it('starts afresh at a gap in seq, so that it never serves a hole', () => {
    const tail = new RecordTail({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 }, () => 0);
    tail.push([1, 2].map(record));
    tail.push([7, 8].map(record));
    expect(tail.firstSeq).toBe(7);
    expect(tail.slice(1, 10)).toBeUndefined();
  });

  it('drops what every registered reader has passed, at once, and a closed reader holds nothing back', () => {
    const tail = new RecordTail({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 }, () => 0);
    const influx = tail.reader(0);
    const mqtt = tail.reader(0);
    tail.push([1, 2, 3, 4, 5].map(record));
    mqtt.passed(4);
    expect(tail.firstSeq).toBe(1); // influx still has to read 1..5
    influx.passed(2);
    expect(seqs(tail.slice(3, 10))).toEqual([3, 4, 5]);
    expect(tail.slice(2, 10)).toBeUndefined();
    influx.passed(1); // a cursor never moves back: nothing comes back either
    expect(tail.firstSeq).toBe(3);
    influx.close();
    expect(tail.firstSeq).toBe(3); // closing drops nothing by itself...
    tail.push([6].map(record));
    expect(seqs(tail.slice(5, 10))).toEqual([5, 6]); // ...but from then on only mqtt's cursor counts
    mqtt.passed(6);
    expect(tail.size).toBe(0);
    expect(tail.slice(7, 10)).toBeUndefined(); // an empty tail sends a reader to SQLite
    tail.push([7].map(record));
    expect(seqs(tail.slice(7, 10))).toEqual([7]);
  });

  it('without registered readers keeps records to its limits', () => {
    const tail = new RecordTail({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 }, () => 0);
    tail.reader(0).close();
    tail.push([1, 2, 3].map(record));
    expect(seqs(tail.slice(1, 10))).toEqual([1, 2, 3]);
  });
});
