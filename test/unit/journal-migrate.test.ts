/**
 * Version 1 journals (travelgate 0.1: one JSON row per channel value, hex hashes) written by hand
 * with the old DDL, then opened by this code: converted in place on a read-write open, refused on
 * a read-only one (src/journal/schema.ts, src/journal/migrate-v1.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { readingsOf } from '../../src/core/records.js';
import type { Acquisition, JournalRecord } from '../../src/core/types.js';
import { HashChain, type UnhashedRecord } from '../../src/integrity/chain.js';
import { recordJson } from '../../src/integrity/canonical.js';
import { recordHashInput, sealRecord, sha256Hex, verifyRecords } from '../../src/integrity/index.js';
import { Sealer } from '../../src/integrity/sealer.js';
import { Journal, SCHEMA_VERSION, type JournalOptions } from '../../src/journal/index.js';

const GATEWAY = 'gw-old';
const LAB = 'PTB';
const T0 = 1_750_000_000_000;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** The version 1 schema, exactly as travelgate 0.1 created it. */
const V1_DDL = `
CREATE TABLE IF NOT EXISTS records (
  seq      INTEGER PRIMARY KEY,
  kind     TEXT    NOT NULL,
  time     INTEGER NOT NULL,
  device   TEXT,
  channel  TEXT,
  standard TEXT,
  body     TEXT    NOT NULL,
  hash     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS records_kind_time ON records (kind, time);
CREATE INDEX IF NOT EXISTS records_kind_device_time ON records (kind, device, time);
CREATE INDEX IF NOT EXISTS records_kind_device_channel_time ON records (kind, device, channel, time);
CREATE TABLE IF NOT EXISTS cursors (
  name       TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

let dir: string;
let path: string;
const open: Journal[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-migrate-'));
  path = join(dir, 'journal.sqlite');
});

afterEach(async () => {
  for (const j of open.splice(0)) await j.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function openJournal(over: Partial<JournalOptions> = {}): Journal {
  const j = Journal.open({ path, gateway: GATEWAY, lab: LAB, clock: new FakeClock(T0 + 60_000), commitIntervalMs: 0, log: silentLogger(), ...over });
  open.push(j);
  return j;
}

type V1Draft = Record<string, unknown> & { kind: 'reading' | 'event' | 'seal'; time: number };

/**
 * Version 1 records as travelgate 0.1 made them: `{seq, gateway, lab, ...draft}` chained and hashed
 * (the hash is the SHA-256 of the canonical form without `hash`: the real HashChain computes it).
 */
function v1Records(drafts: V1Draft[], first = 1, head = ''): JournalRecord[] {
  const chain = new HashChain(head);
  return drafts.map((d, i) => chain.append({ seq: first + i, gateway: GATEWAY, lab: LAB, ...d } as unknown as UnhashedRecord));
}

/** One version 1 reading draft (a DMM or PTU channel), optionally annotated and clock-stamped. */
function v1Reading(i: number, over: Record<string, unknown> = {}, reading: Record<string, unknown> = {}): V1Draft {
  const time = T0 + i * 1000;
  return {
    kind: 'reading',
    time,
    reading: { device: 'dmm', channel: 'dcv', quantity: 'voltage', value: 10 + i * 1e-7, unit: 'V', time, flags: [], ...reading },
    ...over,
  };
}

/** The typical content of a 0.1 journal: readings with and without annotations, records from
 *  before `clock` existed, an event, a seal over the head, and an unsealed tail. */
function typicalV1(): JournalRecord[] {
  const head = v1Records([
    v1Reading(1, { standard: 'Z-732B', verdicts: [{ check: 'prediction', result: 'pass', value: 0.42 }], verified: true }, { u: 2e-8, extra: { nplc: 100, range: '10 V' } }),
    v1Reading(2), // written before `clock` existed: no clock at all
    { kind: 'event', time: T0 + 2500, event: { type: 'device_state', time: T0 + 2500, device: 'dmm', severity: 'info', message: 'connected' }, clock: 'yes' },
    v1Reading(3, { clock: 'no' }, { flags: ['clock_unsynced', 'settling'] }),
    v1Reading(4, { clock: 'yes' }, { device: 'ptu', channel: 'T', quantity: 'temperature', value: null, unit: '°C', flags: ['timeout'] }),
  ]);
  const last = head[head.length - 1]!;
  // A 0.1 seal: the same event as today's, without `v`.
  const { v: _v, ...sealDraft } = sealRecord({ seq: 6, time: T0 + 5000, gateway: GATEWAY, lab: LAB, head: last, privateKey, clock: 'yes' });
  const [seal] = v1Records([sealDraft as unknown as V1Draft], 6, last.hash);
  const [tail] = v1Records([v1Reading(7, { clock: 'yes' })], 7, seal!.hash); // killed before its next seal
  return [...head, seal!, tail!];
}

/** Writes a version 1 journal file the way travelgate 0.1 did: WAL, the old DDL, rows with the
 *  full record JSON (hash included) in `body` and the hex hash beside it. */
function writeV1(records: JournalRecord[], opts: { cursors?: [string, number, number][]; meta?: Record<string, string>; body?: (r: JournalRecord) => string } = {}): void {
  const db = new Database(path);
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.exec(V1_DDL);
    const insert = db.prepare('INSERT INTO records (seq, kind, time, device, channel, standard, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const cursor = db.prepare('INSERT INTO cursors (name, seq, updated_at) VALUES (?, ?, ?)');
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      for (const r of records) {
        const o = r as unknown as { reading?: { device: string; channel: string }; event?: { device?: string }; standard?: string };
        insert.run(
          r.seq,
          r.kind,
          r.time,
          o.reading?.device ?? o.event?.device ?? null,
          o.reading?.channel ?? null,
          o.standard ?? null,
          opts.body ? opts.body(r) : JSON.stringify(r),
          r.hash,
        );
      }
      for (const c of opts.cursors ?? []) cursor.run(...c);
      const m = { schema_version: '1', gateway: GATEWAY, lab: LAB, created_at: String(T0 - 1000), ...opts.meta };
      for (const [k, v] of Object.entries(m)) meta.run(k, v);
    })();
  } finally {
    db.close();
  }
}

/** What is in the file, through a connection of its own. */
function inspect(): { version: string | undefined; tables: string[]; columns: string[]; hashTypes: string[]; meta: Record<string, string> } {
  const db = new Database(path, { readonly: true });
  try {
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    return {
      version: meta.schema_version,
      tables: db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[],
      columns: (db.prepare('PRAGMA table_info(records)').all() as { name: string }[]).map((c) => c.name),
      hashTypes: db.prepare('SELECT DISTINCT typeof(hash) FROM records').pluck().all() as string[],
      meta,
    };
  } finally {
    db.close();
  }
}

/** The converted table's rows: body, hex of the stored hash, and the SHA-256 of the body. */
function storedRows(): { seq: number; body: string; hash: string; sha: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, body, hash FROM records ORDER BY seq').all() as { seq: number; body: string; hash: Buffer }[];
    return rows.map((r) => ({ seq: r.seq, body: r.body, hash: r.hash.toString('hex'), sha: sha256Hex(r.body) }));
  } finally {
    db.close();
  }
}

function acquisition(i: number): Acquisition {
  return {
    device: 'dmm',
    time: T0 + 10_000 + i * 1000,
    clock: 'yes',
    channels: { dcv: { quantity: 'voltage', value: 10 + i * 1e-7, unit: 'V', u: 2e-8, standard: 'Z-732B', verified: true } },
  };
}

describe('a version 1 journal', () => {
  it('is converted in place on a read-write open: the current schema, every record as it was hashed, cursors kept, the chain continued', async () => {
    const old = typicalV1();
    writeV1(old, { cursors: [['influx', 3, T0 + 3000], ['mqtt', 7, T0 + 7000]] });
    expect(inspect()).toMatchObject({ version: '1', hashTypes: ['text'] });

    const j = openJournal();
    const file = inspect();
    expect(SCHEMA_VERSION).toBe(3);
    expect(file.version).toBe('3');
    expect(file.columns).toEqual(['seq', 'kind', 'time', 'device', 'body', 'hash']);
    expect(file.hashTypes).toEqual(['blob']);
    expect(file.tables).not.toContain('records_v1');
    expect(file.meta).toMatchObject({ gateway: GATEWAY, lab: LAB, created_at: String(T0 - 1000) });

    // Every old record comes back exactly as it was, hash included.
    const back = j.range(1, 100);
    expect(back).toStrictEqual(old);
    // What export and MQTT send: the hash first, then the canonical form that was hashed; and the
    // stored body is exactly those hashed bytes, its stored hash their raw SHA-256.
    expect(j.entries(1, 100).map((e) => e.json)).toEqual(old.map((r) => recordJson(recordHashInput(r), r.hash)));
    expect(j.entries(1, 100).map((e) => JSON.parse(e.json) as unknown)).toStrictEqual(old);
    expect(storedRows()).toEqual(old.map((r) => ({ seq: r.seq, body: recordHashInput(r), hash: r.hash, sha: r.hash })));
    expect(j.record(4)).toStrictEqual(old[3]);
    expect(j.head).toEqual({ seq: 7, hash: old[6]!.hash });
    expect(j.stats()).toMatchObject({ records: 7, firstSeq: 1, lastSeq: 7 });
    // Readers see the old readings through the new views.
    expect(j.recentReadings({ device: 'dmm', channel: 'dcv', limit: 10 }).map((r) => r.seq)).toEqual([7, 4, 2, 1]);
    expect(readingsOf(back[0]!)).toEqual([
      { seq: 1, device: 'dmm', channel: 'dcv', quantity: 'voltage', value: 10 + 1e-7, unit: 'V', u: 2e-8, extra: { nplc: 100, range: '10 V' }, time: T0 + 1000, flags: [], standard: 'Z-732B', verdicts: [{ check: 'prediction', result: 'pass', value: 0.42 }], verified: true },
    ]);
    expect(j.recentEvents({ limit: 10 }).map((r) => r.seq)).toEqual([6, 3]);

    // Cursors survive, with their times.
    expect(j.cursors()).toEqual([
      { name: 'influx', seq: 3, updatedAt: T0 + 3000 },
      { name: 'mqtt', seq: 7, updatedAt: T0 + 7000 },
    ]);

    // New acquisitions chain onto the old head; a seal covers old and new; all of it verifies.
    const clock = new FakeClock(T0 + 60_000);
    const sealer = new Sealer({ journal: j, privateKey, clock, log: silentLogger(), everyRecords: 1000, intervalMs: 1000 });
    sealer.start();
    const added = await Promise.all([1, 2, 3].map((i) => j.appendAcquisition(acquisition(i))));
    expect(added.map((r) => r.seq)).toEqual([8, 9, 10]);
    expect(added[0]!.prevHash).toBe(old[6]!.hash);
    await sealer.stop();
    const all = j.range(1, 100);
    expect(all.slice(0, 7)).toStrictEqual(old);
    expect(all.map((r) => r.kind)).toEqual(['reading', 'reading', 'event', 'reading', 'reading', 'seal', 'reading', 'acquisition', 'acquisition', 'acquisition', 'seal']);
    const verdict = verifyRecords(all, { publicKeys: [publicKey], after: { seq: 0, hash: '' } });
    expect(verdict).toMatchObject({ ok: true, records: 11, seals: 2, firstSeq: 1, lastSeq: 11, sealedSeq: 10 });
    await j.close();

    // Converted once: a later read-write open changes nothing, a read-only open now works.
    const ro = openJournal({ readonly: true });
    expect(ro.range(1, 100)).toStrictEqual(all);
    expect(ro.cursor('mqtt')).toBe(7);
    await ro.close();
    const again = openJournal();
    expect(again.range(1, 100)).toStrictEqual(all);
    expect((await again.appendAcquisition(acquisition(4))).prevHash).toBe(all[10]!.hash);
  });

  it('is refused by a read-only open with a message that says how to convert it, and left untouched', () => {
    writeV1(typicalV1(), { cursors: [['influx', 3, T0]] });
    const before = inspect();
    let error: unknown;
    try {
      openJournal({ readonly: true });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'TG_CONFIG_INVALID' });
    expect((error as Error).message).toMatch(/schema version 1; open it once read-write with this travelgate to convert it/);
    expect((error as Error).message).toContain(path);
    expect(inspect()).toEqual(before);
    expect(before).toMatchObject({ version: '1', hashTypes: ['text'] });
    expect(before.columns).toContain('channel');
  });

  it('keeps the retention anchor: a journal whose prefix was deleted still continues and verifies from it', async () => {
    const old = typicalV1();
    const anchor = { seq: old[1]!.seq, hash: old[1]!.hash };
    writeV1(old.slice(2), { meta: { anchor_seq: String(anchor.seq), anchor_hash: anchor.hash } });
    const j = openJournal();
    expect(j.anchor()).toEqual(anchor);
    expect(j.range(1, 100)).toStrictEqual(old.slice(2));
    const next = await j.appendAcquisition(acquisition(1));
    expect(next).toMatchObject({ seq: 8, prevHash: old[6]!.hash });
    const seal = await j.appendSeal((head) => sealRecord({ seq: head.seq + 1, time: T0 + 70_000, gateway: GATEWAY, lab: LAB, head, privateKey }).event);
    expect(seal.seq).toBe(9);
    const verdict = verifyRecords(j.range(1, 100), { publicKeys: [publicKey], after: anchor });
    expect(verdict).toMatchObject({ ok: true, firstSeq: 3, lastSeq: 9, sealedSeq: 8 });
  });

  it('keeps a record whose stored hash does not match its content as it is, so verification still points at it', async () => {
    const old = typicalV1();
    // Altered after it was hashed (a value changed in the file): the stored hash no longer matches.
    const altered = structuredClone(old);
    (altered[3] as unknown as { reading: { value: number } }).reading.value = 10.5;
    writeV1(altered);
    const j = openJournal();
    const back = j.range(1, 100);
    expect(back).toStrictEqual(altered);
    expect(back[3]!.hash).toBe(old[3]!.hash);
    expect(verifyRecords(back, { publicKeys: [publicKey], after: { seq: 0, hash: '' } })).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/hash does not match/) as unknown,
    });
  });

  it('that cannot be converted is left as it was (the conversion is one transaction)', () => {
    const old = typicalV1();
    // One row whose body is not JSON: the conversion fails part-way through.
    writeV1(old, { body: (r) => (r.seq === 5 ? '{not json' : JSON.stringify(r)), cursors: [['influx', 3, T0]] });
    const before = inspect();
    expect(() => openJournal()).toThrow();
    expect(inspect()).toEqual(before);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT hash FROM records ORDER BY seq').pluck().all()).toEqual(old.map((r) => r.hash));
    } finally {
      db.close();
    }
  });
});
