/**
 * The record format, pinned from outside the code that makes it. test/fixtures/golden/export.ndjson
 * is a checked-in export; an independent verifier (Python's json and hashlib, OpenSSL for
 * Ed25519; written from the README's description of the format) checks its hashes, chain and seals,
 * and this package must still write exactly those bytes. A change of canonical bytes (a library
 * upgrade, a refactor) fails here instead of silently breaking exports already delivered.
 */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNdjson } from '../../src/integrity/ndjson.js';
import { verifyRecords } from '../../src/integrity/verify.js';
import { buildGoldenExport, GOLDEN_EXPORT, GOLDEN_PUBLIC_KEY } from '../fixtures/golden/build.js';

const run = promisify(execFile);
const VERIFIER = join(import.meta.dirname, '../fixtures/golden/verify_golden.py');
const golden = readFileSync(GOLDEN_EXPORT, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'tg-golden-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function independentVerify(text: string): Promise<{ ok: boolean; out: string }> {
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, text);
  try {
    const { stdout } = await run('python3', [VERIFIER, file, GOLDEN_PUBLIC_KEY], { timeout: 60_000 });
    return { ok: true, out: stdout.trim() };
  } catch (err) {
    return { ok: false, out: String((err as { stdout?: string }).stdout ?? err).trim() };
  }
}

describe('the golden export', () => {
  it('is what this code writes, byte for byte', async () => {
    expect(await buildGoldenExport()).toBe(golden);
  });

  it('verifies with an independent implementation (Python hashlib + OpenSSL Ed25519)', async () => {
    const res = await independentVerify(golden);
    expect(res).toEqual({ ok: true, out: 'OK 7 records, 2 seals' });
  });

  it('fails the independent verification when one value is changed', async () => {
    const tampered = golden.replace('"value":10.000002512', '"value":10.000002513');
    expect(tampered).not.toBe(golden);
    const res = await independentVerify(tampered);
    expect(res.ok).toBe(false);
    expect(res.out).toMatch(/line 2: hash does not match/);
  });

  it('verifies with travelgate verify', async () => {
    const parsed = await parseNdjson(golden);
    if (!parsed.ok) throw new Error(parsed.reason);
    const res = verifyRecords(parsed.records, { publicKeys: [createPublicKey(readFileSync(GOLDEN_PUBLIC_KEY))] });
    expect(res).toMatchObject({ ok: true, records: 7, seals: 2, sealedSeq: 6 });
  });
});
