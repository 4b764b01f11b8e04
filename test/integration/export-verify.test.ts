import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJournal } from '../../src/cli/export.js';
import { keygen, type CliIo } from '../../src/cli/keygen.js';
import { verifyFile } from '../../src/cli/verify.js';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { keyIdOf, loadPrivateKey, loadPublicKey } from '../../src/integrity/index.js';
import { Sealer } from '../../src/integrity/sealer.js';
import { Journal } from '../../src/journal/index.js';

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
          journal.appendReading({ device: 'dmm', channel: 'dcv', quantity: 'voltage', value: 10 + i * 1e-9, unit: 'V', time: clock.now() + i, flags: [] }),
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

/** Deterministic Fisher–Yates shuffle (a fixed LCG), in place. */
function shuffle<T>(items: T[]): void {
  let state = 12345;
  for (let i = items.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
