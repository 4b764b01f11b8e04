import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJournal } from '../../src/cli/export.js';
import { keygen, type CliIo } from '../../src/cli/keygen.js';
import { verifyFile } from '../../src/cli/verify.js';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JournalRecord } from '../../src/core/types.js';
import { keyIdOf, loadPrivateKey, loadPublicKey } from '../../src/integrity/index.js';
import { Sealer } from '../../src/integrity/sealer.js';
import { Journal, type CommittedRecord } from '../../src/journal/index.js';
import { packMessages } from '../../src/sinks/mqtt/sink.js';
import { statusPayload } from '../../src/sinks/mqtt/topics.js';
import { GATEWAY, LAB, buildExport } from '../unit/integrity/fixtures.js';

/** stdout and stderr captured as text. */
function captureIo(): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  return { stdout: sink(chunks.out), stderr: sink(chunks.err), out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

describe('export and verify against a live journal file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-export-'));
  const config = join(dir, 'gateway.yaml');
  const keyFile = join(dir, 'keys', 'seal.key');
  const clock = new FakeClock();
  let journal: Journal;
  let sealer: Sealer;

  /** Run `export` with the given range and keep its output as a file. */
  async function exported(name: string, range: { from?: number; to?: number } = {}) {
    const io = captureIo();
    const code = await exportJournal(config, range, io);
    const file = join(dir, name);
    writeFileSync(file, io.out());
    return { code, file, lines: io.out().split('\n').filter(Boolean), stderr: io.err() };
  }

  async function verified(file: string, keys = [`${keyFile}.pub`]) {
    const io = captureIo();
    const code = await verifyFile(file, keys, io);
    return { code, stdout: io.out(), stderr: io.err() };
  }

  beforeAll(async () => {
    writeFileSync(config, `gateway: { id: gw-x, lab: LAB, dataDir: "${dir}" }\n`);
    const io = captureIo();
    expect(keygen(keyFile, {}, io)).toBe(0);
    journal = Journal.open({ path: join(dir, 'journal.sqlite'), gateway: 'gw-x', lab: 'LAB', clock, commitIntervalMs: 0, log: silentLogger() });
    sealer = new Sealer({ journal, privateKey: loadPrivateKey(keyFile), clock, log: silentLogger(), everyRecords: 100 });
    sealer.start();
    for (let chunk = 0; chunk < 5; chunk++) {
      await Promise.all(
        Array.from({ length: 51 }, (_, i) =>
          journal.appendAcquisition({
            device: 'dmm',
            time: clock.now() + i,
            clock: 'yes',
            channels: {
              dcv: { quantity: 'voltage', value: 10 + i * 1e-9, unit: 'V', u: 1e-7 },
              temp: { quantity: 'temperature', value: 31.5, unit: '°C', extra: { sensor: 'internal' } },
            },
          }),
        ),
      );
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
  });
  afterAll(async () => {
    await sealer.stop();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keygen wrote a private key only its owner can read, and a public key anyone can', () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${keyFile}.pub`).mode & 0o777).toBe(0o644);
    const io = captureIo();
    expect(keygen(keyFile, {}, io)).toBe(1); // never overwrites a key silently
    expect(io.err()).toMatch(/exists; pass --force/);
    expect(keyIdOf(loadPublicKey(`${keyFile}.pub`))).toBe(sealer.keyId);
  });

  it('exports up to the last seal while the writer holds the journal open, says what it left out, and verifies', async () => {
    const unsealed = sealer.status().unsealed;
    expect(unsealed).toBeGreaterThan(0); // the fake clock never let the interval seal the tail
    const e = await exported('live.ndjson');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.lines.at(-1)!).kind).toBe('seal');
    expect(e.lines).toHaveLength(journal.lastSeq - unsealed);
    expect(e.stderr).toMatch(new RegExp(`left out ${unsealed} record\\(s\\) after the last seal`));
    const v = await verified(e.file);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^OK: ${e.lines.length} records, seq 1\\.\\.${e.lines.length},`));
  });

  it('a range export starts where asked, ends at the last seal inside the range, and verifies as a partial export', async () => {
    const e = await exported('range.ndjson', { from: 50, to: 180 });
    expect(e.code).toBe(0);
    const seqs = e.lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs[0]).toBe(50);
    const last = JSON.parse(e.lines.at(-1)!) as { seq: number; kind: string };
    expect(last.kind).toBe('seal');
    expect(last.seq).toBeLessThanOrEqual(180);
    const v = await verified(e.file);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/starts at seq 50, linked to seq 49/);
  });

  it('a range without a seal exports nothing and says why', async () => {
    const e = await exported('none.ndjson', { from: 2, to: 20 });
    expect(e.code).toBe(1);
    expect(e.lines).toEqual([]);
    expect(e.stderr).toMatch(/no seal in seq 2\.\.20/);
  });

  it('after the final seal the whole journal exports and verifies; a collected stream (shuffled, duplicated) verifies too', async () => {
    await sealer.stop();
    const e = await exported('full.ndjson');
    expect(e.lines).toHaveLength(journal.lastSeq);
    expect((await verified(e.file)).code).toBe(0);
    // one line per acquisition (both channels), not per value
    const kinds = e.lines.map((l) => (JSON.parse(l) as JournalRecord).kind);
    expect(kinds.filter((k) => k === 'acquisition')).toHaveLength(255);
    expect(JSON.parse(e.lines[0]!)).toMatchObject({ v: 2, kind: 'acquisition', device: 'dmm', clock: 'yes', channels: { dcv: { unit: 'V' }, temp: { unit: '°C' } } });

    // What a platform collects from MQTT: any order, some records twice (QoS 1), "topic payload" lines.
    const capture = [...e.lines, ...e.lines.slice(10, 30)].map((l, i) => (i % 3 === 0 ? `travelgate/gw-x/records ${l}` : l));
    shuffle(capture);
    const file = join(dir, 'capture.ndjson');
    writeFileSync(file, `${capture.join('\n')}\n`);
    const v = await verified(file);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/20 identical duplicate\(s\) dropped/);

    // A record the broker never delivered is a missing seq.
    writeFileSync(file, `${capture.filter((l) => !l.includes('"seq":77,')).join('\n')}\n`);
    expect(await verified(file)).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED at seq 77: record missing/) });
  });

  it('a capture of the records topic as the MQTT sink packs it (arrays, redelivered, with status messages) verifies; a record lost from a batch fails', async () => {
    const entries = journal.entries(1, journal.lastSeq);
    expect(entries).toHaveLength(journal.lastSeq);
    const topic = 'travelgate/CMP/LAB/records';
    const messages: { payload: string; seqs: number[] }[] = [];
    for (let from = 0; from < entries.length; from += 40) {
      const batch = entries.slice(from, from + 40); // what one deliver() sees
      for (const m of packMessages(batch, { messageRecords: 16, messageBytes: 4096 }).messages) {
        if (!m.events) messages.push({ payload: m.payload.toString('utf8'), seqs: batch.slice(m.from, m.to + 1).map((c: CommittedRecord) => c.seq) });
      }
    }
    expect(messages.some((m) => m.seqs.length > 1)).toBe(true);
    const status = (state: 'online' | 'offline', time: number) => statusPayload({ gateway: 'gw-x', lab: 'LAB', comparison: 'CMP', state, time });
    const lines = (ms: readonly { payload: string }[]): string[] => {
      const out = [...ms, ...ms.slice(2, 5)].map((m, i) => (i % 3 === 0 ? `${topic} ${m.payload}` : m.payload));
      out.push(status('online', 1), `travelgate/CMP/LAB/status ${status('offline', 2)}`);
      shuffle(out);
      return out;
    };
    const file = join(dir, 'batched.ndjson');
    writeFileSync(file, `${lines(messages).join('\n')}\n`);
    const v = await verified(file);
    expect(v.stdout).toMatch(new RegExp(`^OK: ${journal.lastSeq} records, seq 1\\.\\.${journal.lastSeq},`));
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/identical duplicate\(s\) dropped/);

    // One acquisition in the middle of a batch never reached the platform.
    const lost = entries.find((c) => c.seq >= 77 && c.kind === 'acquisition')!.seq;
    const cut = messages.map((m) =>
      m.seqs.includes(lost) ? { payload: JSON.stringify((JSON.parse(m.payload) as JournalRecord[]).filter((r) => r.seq !== lost)) } : m,
    );
    writeFileSync(file, `${lines(cut).join('\n')}\n`);
    expect(await verified(file)).toMatchObject({ code: 1, stdout: expect.stringMatching(new RegExp(`^FAILED at seq ${lost}: record missing`)) });
  });

  it('fails on one changed byte with its seq and reason, on a foreign key, and refuses an unreadable key', async () => {
    const e = await exported('tamper.ndjson');
    const text = readFileSync(e.file, 'utf8');
    const at = text.indexOf('"value":10.') + '"value":10.'.length;
    const tampered = `${text.slice(0, at)}${text[at] === '1' ? '2' : '1'}${text.slice(at + 1)}`;
    const seq = (JSON.parse(tampered.slice(tampered.lastIndexOf('\n', at) + 1, tampered.indexOf('\n', at))) as { seq: number }).seq;
    writeFileSync(e.file, tampered);
    const v = await verified(e.file);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(`FAILED at seq ${seq}: record hash does not match its content: the record was altered\n`);

    const other = join(dir, 'other.pub');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(e.file, text);
    expect(await verified(e.file, [other])).toMatchObject({ code: 1, stdout: expect.stringMatching(/seal is signed by unknown key/) });
    expect((await verified(e.file, [other, `${keyFile}.pub`])).code).toBe(0); // rotated keys: any trusted one
    expect((await verified(e.file, [join(dir, 'missing.pub')])).code).toBe(2);
  });
});

/** The version 1 table (travelgate 0.1): the full record JSON, hash included, one row per channel value. */
const V1_DDL = `
CREATE TABLE records (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, time INTEGER NOT NULL, device TEXT, channel TEXT, standard TEXT, body TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX records_kind_time ON records (kind, time);
CREATE INDEX records_kind_device_time ON records (kind, device, time);
CREATE INDEX records_kind_device_channel_time ON records (kind, device, channel, time);
CREATE TABLE cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

describe('export and verify of a journal written by travelgate 0.1 (version 1), converted in place and continued', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-export-v1-'));
  const config = join(dir, 'gateway.yaml');
  const keyFile = join(dir, 'keys', 'seal.key');
  const path = join(dir, 'journal.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('version 1 records export exactly as they were hashed, and the chain verifies across the change of format', async () => {
    writeFileSync(config, `gateway: { id: ${GATEWAY}, lab: ${LAB}, dataDir: "${dir}" }\n`);
    expect(keygen(keyFile, {}, captureIo())).toBe(0);
    const privateKey = loadPrivateKey(keyFile);
    const publicKey = loadPublicKey(`${keyFile}.pub`);

    // A version 1 journal: 60 readings and events, sealed every 25 and at the end.
    const v1 = buildExport({ n: 60, sealEvery: 25, key: { privateKey, publicKey, keyId: keyIdOf(publicKey) }, legacy: 60 });
    expect(v1.every((r) => !('v' in r))).toBe(true);
    mkdirSync(dir, { recursive: true });
    const db = new Database(path);
    db.exec(V1_DDL);
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (const [k, v] of [['schema_version', '1'], ['gateway', GATEWAY], ['lab', LAB], ['created_at', '1760000000000']]) meta.run(k, v);
    const row = db.prepare('INSERT INTO records (seq, kind, time, device, channel, standard, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const r of v1) {
      const reading = r.kind === 'reading' ? r.reading : undefined;
      const standard = r.kind === 'reading' ? (r.standard ?? null) : null;
      row.run(r.seq, r.kind, r.time, reading?.device ?? null, reading?.channel ?? null, standard, JSON.stringify(r), r.hash);
    }
    db.close();

    // The current gateway opens it read-write (converting it), goes on with acquisitions, stops with a seal.
    const clock = new FakeClock();
    const journal = Journal.open({ path, gateway: GATEWAY, lab: LAB, clock, commitIntervalMs: 0, log: silentLogger() });
    expect(journal.lastSeq).toBe(v1.length);
    const sealer = new Sealer({ journal, privateKey, clock, log: silentLogger(), everyRecords: 30 });
    sealer.start();
    for (let i = 0; i < 40; i++) {
      await journal.appendAcquisition({ device: 'dvm-1', time: clock.now() + i, clock: 'no', channels: { dcv: { quantity: 'voltage', value: 10 + i * 1e-8, unit: 'V', flags: ['clock_unsynced'] } } });
    }
    await sealer.stop();
    const lastSeq = journal.lastSeq;
    await journal.close();

    const io = captureIo();
    expect(await exportJournal(config, {}, io)).toBe(0);
    const lines = io.out().split('\n').filter(Boolean);
    expect(lines).toHaveLength(lastSeq);
    const exported = lines.map((l) => JSON.parse(l) as JournalRecord);
    expect(exported.slice(0, v1.length)).toEqual(v1); // not one byte of meaning changed by the conversion
    expect(exported.slice(v1.length).every((r) => 'v' in r && r.v === 2)).toBe(true);
    expect(exported.filter((r) => r.kind === 'acquisition')).toHaveLength(40);
    expect(exported.at(-1)!.kind).toBe('seal');
    const file = join(dir, 'export.ndjson');
    writeFileSync(file, io.out());
    const ok = captureIo();
    expect(await verifyFile(file, [`${keyFile}.pub`], ok)).toBe(0);
    expect(ok.out()).toMatch(new RegExp(`^OK: ${lastSeq} records, seq 1\\.\\.${lastSeq},`));

    // A version 1 reading changed after the conversion is caught at its seq.
    const victim = exported.find((r) => r.kind === 'reading' && r.seq > 10)!;
    const tampered = lines.map((l, i) => (i === victim.seq - 1 ? l.replace(/"value":10\.0000(\d)/, (_m, d: string) => `"value":10.0000${d === '1' ? '2' : '1'}`) : l));
    expect(tampered[victim.seq - 1]).not.toBe(lines[victim.seq - 1]);
    writeFileSync(file, `${tampered.join('\n')}\n`);
    const bad = captureIo();
    expect(await verifyFile(file, [`${keyFile}.pub`], bad)).toBe(1);
    expect(bad.out()).toBe(`FAILED at seq ${victim.seq}: record hash does not match its content: the record was altered\n`);
  });
});

/** Deterministic Fisher–Yates shuffle (a fixed LCG), in place. */
function shuffle<T>(items: T[]): void {
  let state = 12345;
  for (let i = items.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
