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
});
