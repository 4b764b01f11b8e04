/**
 * An acquisition's row keeps only what its row and chain cannot give back (compact-body.ts); every
 * reader still gets the exact bytes that were hashed, whatever the names and texts in it, and a
 * body that does not fit the short form is kept whole.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, JournalRecord } from '../../src/core/types.js';
import { AcquisitionBodies, isShortBody } from '../../src/journal/compact-body.js';
import { Journal, type CommittedRecord } from '../../src/journal/index.js';
import { recordJson } from '../../src/integrity/canonical.js';

const dirs: string[] = [];
const open: Journal[] = [];

function newPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-short-'));
  dirs.push(dir);
  return join(dir, 'journal.sqlite');
}

function journal(path: string, opts: { lab?: string; readonly?: boolean } = {}): Journal {
  const j = Journal.open({ path, gateway: 'gw "one"', lab: opts.lab ?? 'LAB-Ω', clock: systemClock, commitIntervalMs: 1, log: silentLogger(), readonly: opts.readonly ?? false });
  open.push(j);
  return j;
}

afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Acquisitions whose names and texts would confuse a body cut at the wrong place. */
function hostile(i: number): Acquisition {
  return {
    device: i % 2 === 0 ? 'dmm-1' : 'ptu "2"\\',
    time: 1_772_355_600_000 + i * 1000 + (i === 3 ? 0.5 : 0),
    clock: (['yes', 'no', 'unknown'] as const)[i % 3]!,
    channels: {
      device: { quantity: 'voltage', unit: 'V', value: i === 4 ? null : 10 + i * 1e-7, ...(i === 4 ? { flags: ['timeout'] } : {}) },
      ',"device":"x"': { quantity: 'q', unit: 'u', value: -0, extra: { note: '"clock":"yes"}', n: 1e21 } },
      temperature: { quantity: 'temperature', unit: '°C', value: 23.05, standard: 's-1', verdicts: [{ check: 'environment', result: 'pass', value: 23.05 }], verified: true },
    },
  };
}

function rows(path: string): { seq: number; body: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT seq, body FROM records ORDER BY seq').all() as { seq: number; body: string }[];
  } finally {
    db.close();
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Each record's hash is the SHA-256 of its body and each links to the one before. */
function expectOneChain(records: CommittedRecord[], firstPrev = ''): void {
  let prev = firstPrev;
  for (const r of records) {
    const { hash, ...rest } = JSON.parse(r.json) as JournalRecord;
    expect(rest.prevHash, `seq ${r.seq}`).toBe(prev);
    expect(sha256(r.json.replace(`{"hash":"${hash}",`, '{'))).toBe(hash);
    prev = hash;
  }
}

describe('short acquisition bodies', () => {
  it('an acquisition row keeps its channels and clock; every reader gets back the bytes that were hashed', async () => {
    const path = newPath();
    const j = journal(path);
    const committed: string[] = [];
    j.onCommit((records) => committed.push(...records.map((r) => r.json)));
    await j.appendEvent({ type: 'note', severity: 'info', time: 1_772_355_599_000, message: 'start' });
    for (let i = 0; i < 8; i++) await j.appendAcquisition(hostile(i));
    await j.flush();

    const stored = rows(path);
    const acquisitions = stored.filter((r) => r.seq > 1);
    expect(acquisitions.every((r) => isShortBody(r.body) && !r.body.includes('prevHash'))).toBe(true);
    expect(isShortBody(stored[0]!.body)).toBe(false); // events are kept whole

    // From SQLite (a second, read-only journal has no in-memory tail): in seq order, one at a
    // time, and per device newest first (rows whose predecessor is not in the same result).
    const reader = journal(path, { readonly: true });
    const fromFile = reader.entries(1, 100);
    expect(fromFile.map((r) => r.json)).toEqual(committed);
    expectOneChain(fromFile);
    for (const r of fromFile) expect(reader.record(r.seq)).toEqual(JSON.parse(r.json));
    // A page from the middle: its first record's prevHash comes from the row before the page.
    expect(reader.entries(5, 3).map((r) => r.json)).toEqual(committed.slice(4, 7));
    expect(reader.entries(9, 10).map((r) => r.json)).toEqual(committed.slice(8));
    const perDevice = reader.recentAcquisitions({ device: 'ptu "2"\\', limit: 10 });
    expect(perDevice.map((r) => r.seq)).toEqual([9, 7, 5, 3]);
    for (const r of perDevice) expect(r).toEqual(JSON.parse(committed[r.seq - 1]!));
  });

  it('saves the envelope: here over 180 bytes per acquisition, 77 of them the previous hash', async () => {
    const path = newPath();
    const j = journal(path);
    for (let i = 0; i < 5; i++) await j.appendAcquisition(hostile(i));
    await j.flush();
    const short = rows(path).map((r) => r.body.length);
    const whole = j.entries(1, 10).map((r) => r.json.replace(/^\{"hash":"[0-9a-f]{64}",/, '{').length);
    // From seq 2 on (the first record's prevHash is empty).
    for (let i = 1; i < short.length; i++) expect(whole[i]! - short[i]!).toBeGreaterThan(180);
  });

  it('a body that does not fit the short form is stored whole and read back the same', async () => {
    const path = newPath();
    await journal(path, { lab: 'LAB-A' }).appendAcquisition(hostile(0));
    await open.pop()!.close();
    // The configuration's lab changed: the records now carry LAB-B, the file says LAB-A.
    const j = journal(path, { lab: 'LAB-B' });
    await j.appendAcquisition(hostile(1));
    await j.flush();
    const stored = rows(path);
    expect(isShortBody(stored[0]!.body)).toBe(true);
    expect(isShortBody(stored[1]!.body)).toBe(false);
    const back = journal(path, { readonly: true }).entries(1, 10);
    expect(back.map((r) => (JSON.parse(r.json) as { lab: string }).lab)).toEqual(['LAB-A', 'LAB-B']);
    expectOneChain(back);
  });

  it('the first record after deleted ones hangs from the retention anchor', async () => {
    const path = newPath();
    const j = journal(path);
    for (let i = 0; i < 6; i++) await j.appendAcquisition(hostile(i));
    await j.flush();
    j.cursor('sink');
    j.setCursor('sink', 3);
    expect(j.applyRetention(Number.MAX_SAFE_INTEGER)).toBe(3);
    const back = journal(path, { readonly: true }).entries(1, 10);
    expect(back.map((r) => r.seq)).toEqual([4, 5, 6]);
    expectOneChain(back, j.anchor()!.hash);
  });

  it('a version 2 journal (every body whole) is read as it is and marked version 3 when opened to write', async () => {
    const path = newPath();
    const j = journal(path);
    for (let i = 0; i < 3; i++) await j.appendAcquisition(hostile(i));
    const whole = j.entries(1, 10).map((r) => ({ seq: r.seq, body: r.json.replace(/^\{"hash":"[0-9a-f]{64}",/, '{') }));
    await open.pop()!.close();
    const db = new Database(path);
    const put = db.prepare('UPDATE records SET body = ? WHERE seq = ?');
    for (const w of whole) put.run(w.body, w.seq);
    db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    db.close();

    expectOneChain(journal(path, { readonly: true }).entries(1, 10));
    const writer = journal(path);
    await writer.appendAcquisition(hostile(3));
    await writer.flush();
    const version = new Database(path, { readonly: true });
    expect(version.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('3');
    version.close();
    expect(rows(path).map((r) => isShortBody(r.body))).toEqual([false, false, false, true]);
    expectOneChain(journal(path, { readonly: true }).entries(1, 10));
  });
});

describe('AcquisitionBodies', () => {
  const bodies = new AcquisitionBodies('gw', 'LAB');
  const envelope = ',"device":"d","gateway":"gw","kind":"acquisition","lab":"LAB","prevHash":"","seq":1,"time":5,"v":2}';

  it('cuts exactly the envelope it would put back, and nothing that differs from it', () => {
    const body = `{"channels":{},"clock":"no"${envelope}`;
    const short = bodies.compact(body, 'd', '', 1, 5);
    expect(short).toBe('{"channels":{},"clock":"no"}');
    expect(bodies.expand(short, 'd', '', 1, 5)).toBe(body);
    for (const [device, prev, seq, time] of [['e', '', 1, 5], ['d', 'ab', 1, 5], ['d', '', 2, 5], ['d', '', 1, 6]] as const) {
      expect(bodies.compact(body, device, prev, seq, time)).toBe(body);
    }
    // An envelope not after the clock (a key the short form would lose) keeps the body whole.
    const extraKey = `{"channels":{},"clock":"no","cycle":3${envelope}`;
    expect(bodies.compact(extraKey, 'd', '', 1, 5)).toBe(extraKey);
  });
});
