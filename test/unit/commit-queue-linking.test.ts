/**
 * The commit queue links a record as it is queued (seq, chain, bytes, row), so that what waits
 * for the group commit is bytes, not the record's object graph. These tests hold what that
 * changes to the rules: the head a seal or a reader sees, the object let go, and a failed commit
 * taking the records linked after it with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';
import { hashRecord } from '../../src/integrity/canonical.js';
import { HashChain } from '../../src/integrity/chain.js';
import { CommitQueue } from '../../src/journal/commit-queue.js';
import type { Draft } from '../../src/journal/records.js';
import { JournalQueries } from '../../src/journal/queries.js';
import { journalBodies, openJournalDb } from '../../src/journal/schema.js';
import type { StoredRecord } from '../../src/journal/stored.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-linking-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function queue(batchSize = 100) {
  const path = join(dir, `j${++files}.db`);
  const db = openJournalDb({ path, gateway: 'gw', lab: 'LAB', synchronous: 'NORMAL', readonly: false, now: Date.now() });
  // A record of device FAIL makes its whole transaction fail.
  db.exec("CREATE TRIGGER fail_batch BEFORE INSERT ON records WHEN NEW.device = 'FAIL' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  const linked: { seq: number; record: JournalRecord; pendingThen: number }[] = [];
  const q: CommitQueue = new CommitQueue({
    db,
    gateway: 'gw',
    lab: 'LAB',
    chain: new HashChain(''),
    bodies: journalBodies(db),
    lastSeq: 0,
    records: 0,
    commitIntervalMs: 60_000, // commits come from flush() or a full batch only
    batchSize,
    clock: systemClock,
    log: silentLogger(),
    onLinked: (stored, record) => linked.push({ seq: stored.seq, record, pendingThen: q.lastSeq }),
  });
  const rows = () => new JournalQueries(db, journalBodies(db)).range(1, 1000).map((r) => r.record);
  return { q, db, linked, rows };
}

let value = 0;
function acquisition(device = 'dmm'): Draft {
  value += 1;
  return { kind: 'acquisition', time: 1_000_000 + value, clock: 'yes', device, channels: { v: { quantity: 'voltage', value, unit: 'V', verdicts: [{ check: 'step', result: 'pass' }] } } };
}

describe('commit queue: records linked as they are queued', () => {
  it('links an acquisition before its commit, then lets its object go: the committed record parses it back from the same bytes', async () => {
    const { q, db, linked, rows } = queue();
    const committed: StoredRecord[] = [];
    q.onCommit((rs) => committed.push(...rs));
    const done = q.enqueue(acquisition());
    // Linked now: seq and hash are decided, the commit is still to come.
    expect(linked.map((l) => [l.seq, l.pendingThen])).toEqual([[1, 0]]);
    expect(q.lastSeq).toBe(0);
    const seen = structuredClone(linked[0]!.record);
    await q.flush();
    const r = await done;
    expect(r.seq).toBe(1);
    expect(r.hash).toBe(seen.hash);
    // The object the listeners get back is parsed from the bytes that were hashed: equal to the one linked.
    expect(committed[0]!.record).toStrictEqual(seen);
    expect(r.record).toStrictEqual(seen);
    expect(hashRecord(r.record)).toBe(r.hash);
    expect(rows()).toStrictEqual([seen]);
    db.close();
  });

  it('keeps the committed head as the head while linked records wait, and builds a seal over the linked record before it', async () => {
    const { q, db, rows } = queue();
    q.enqueue(acquisition());
    await q.flush();
    const committedHead = q.headHash;
    const second = q.enqueue(acquisition());
    const heads: { seq: number; hash: string }[] = [];
    const seal = q.enqueue((head) => {
      heads.push(head);
      return { kind: 'seal', time: 5, event: { type: 'seal', time: 5, severity: 'info', message: `over ${head.seq}` } };
    });
    // What is committed did not move: a reader, or a seal of the committed head, sees seq 1.
    expect(q.headHash).toBe(committedHead);
    expect(q.lastSeq).toBe(1);
    await q.flush();
    const [a, s] = await Promise.all([second, seal]);
    expect(heads).toEqual([{ seq: 2, hash: a.hash }]);
    expect(s.record).toMatchObject({ kind: 'seal', seq: 3, prevHash: a.hash });
    expect(q.headHash).toBe(s.hash);
    const all = rows();
    for (let k = 1; k < all.length; k++) expect(all[k]!.prevHash).toBe(all[k - 1]!.hash);
    db.close();
  });

  it('rejects, with a failed commit, the records linked after its batch, and continues the chain from the last committed record', async () => {
    const { q, db, rows } = queue(2);
    // Queued while a commit's listeners run: more than a batch waits, linked one after another.
    let later: Promise<StoredRecord>[] = [];
    const once = q.onCommit(() => {
      once();
      later = [q.enqueue(acquisition('FAIL')), q.enqueue(acquisition()), q.enqueue(acquisition())];
    });
    const first = await Promise.all([q.enqueue(acquisition()), q.enqueue(acquisition())]); // a full batch: commits at once
    expect(first.map((r) => r.seq)).toEqual([1, 2]);
    expect(later).toHaveLength(3);
    await q.flush().catch(() => undefined);
    const settled = await Promise.allSettled(later);
    // The batch [FAIL, ok] failed; the third record chained onto it and goes with it.
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(q.lastSeq).toBe(2);
    expect(q.headHash).toBe(first[1]!.hash);
    const next = q.enqueue(acquisition());
    await q.flush();
    const n = await next;
    expect(n.seq).toBe(3);
    expect(n.record.prevHash).toBe(first[1]!.hash);
    expect(rows().map((r) => r.seq)).toEqual([1, 2, 3]);
    db.close();
  });

  it('rejects a record without a canonical form as it is queued, and it takes no seq', async () => {
    const { q, db } = queue();
    const bad = acquisition();
    (bad as { channels: Record<string, { value: number }> }).channels.v!.value = Number.NaN;
    await expect(q.enqueue(bad)).rejects.toThrow();
    expect(q.pending).toBe(0);
    const ok = q.enqueue(acquisition());
    await q.flush();
    expect((await ok).seq).toBe(1);
    db.close();
  });

  it('on stop, forgets what was linked: the chain goes back to the last committed record', async () => {
    const { q, db } = queue();
    q.enqueue(acquisition());
    await q.flush();
    const head = q.headHash;
    const waiting = q.enqueue(acquisition());
    q.stop(new Error('closing'));
    await expect(waiting).rejects.toThrow('closing');
    expect(q.headHash).toBe(head);
    expect(q.lastSeq).toBe(1);
    db.close();
  });
});
