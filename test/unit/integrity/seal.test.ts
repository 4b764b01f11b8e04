import { describe, it, expect, afterEach } from 'vitest';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  generateKeyPair,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  readSeal,
  sealMessage,
  signHead,
  verifySeal,
  writeKeyPair,
  HashChain,
  sealRecord,
} from '../../../src/integrity/index.js';
import { GATEWAY, legacyReadingRecord, legacySealOf, readingRecord, sealOf, testKey } from './fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-keys-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (f: string): number => statSync(f).mode & 0o777;
const head = { gateway: GATEWAY, headSeq: 41, headHash: 'a'.repeat(64) };

describe('keys', () => {
  it('keyId is the first 16 hex digits of SHA-256 of the raw 32-byte public key', () => {
    const k = testKey();
    const der = k.publicKey.export({ type: 'spki', format: 'der' });
    const raw = der.subarray(der.length - 32);
    expect(k.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyIdOf(k.privateKey)).toBe(k.keyId);
    expect(keyIdOf(k.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(k.keyId);
  });

  it('generateKeyPair never shows the private key when logged or serialised', () => {
    const kp = generateKeyPair();
    expect(kp.privatePem).toContain('PRIVATE KEY');
    expect(kp.publicPem).toContain('PUBLIC KEY');
    expect(keyIdOf(kp.publicPem)).toBe(kp.keyId);
    for (const shown of [JSON.stringify(kp), inspect(kp), inspect(kp, { depth: 5 }), String(Object.values(kp))]) {
      expect(shown).not.toContain('PRIVATE');
    }
  });

  it('writeKeyPair writes 0600 / 0644 files, returns nothing secret, refuses to overwrite', () => {
    const file = join(tempDir(), 'sub', 'seal.key');
    const written = writeKeyPair(file);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}.pub`)).toBe(0o644);
    expect(written.privateKeyFile).toBe(file);
    expect(written.publicKeyFile).toBe(`${file}.pub`);
    const shown = JSON.stringify(written) + inspect(written);
    expect(shown).not.toContain('PRIVATE');
    expect(shown).not.toContain(readFileSync(file, 'utf8').split('\n')[1]);

    const priv = loadPrivateKey(file);
    const pub = loadPublicKey(`${file}.pub`);
    expect(keyIdOf(priv)).toBe(written.keyId);
    expect(keyIdOf(pub)).toBe(written.keyId);

    const before = readFileSync(file, 'utf8');
    expect(() => writeKeyPair(file)).toThrow(/refusing to overwrite/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses when only the .pub exists, and replaces both with force (modes kept exact)', () => {
    const file = join(tempDir(), 'seal.key');
    writeFileSync(`${file}.pub`, 'old', { mode: 0o666 });
    expect(() => writeKeyPair(file)).toThrow(/seal\.key\.pub/);
    writeFileSync(file, 'old', { mode: 0o644 });
    const again = writeKeyPair(file, { force: true });
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}.pub`)).toBe(0o644);
    expect(keyIdOf(loadPrivateKey(file))).toBe(again.keyId);
  });

  it('loading errors name the file and never echo its content', () => {
    const dir = tempDir();
    const notKey = join(dir, 'x.key');
    writeFileSync(notKey, 'secret-looking-content');
    expect(() => loadPrivateKey(notKey)).toThrow(/does not hold a PEM key/);
    try {
      loadPrivateKey(notKey);
    } catch (err) {
      expect(String(err)).not.toContain('secret-looking-content');
    }
    const file = join(dir, 'seal.key');
    writeKeyPair(file);
    expect(() => loadPrivateKey(`${file}.pub`)).toThrow();
    expect(() => loadPrivateKey(join(dir, 'missing.key'))).toThrow(/ENOENT/);
  });
});

describe('seals', () => {
  it('sign and verify a head; the message is the canonical JSON of gateway, head and keyId', () => {
    const k = testKey();
    const seal = signHead(head, k.privateKey);
    expect(seal.keyId).toBe(k.keyId);
    expect(seal.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(sealMessage({ ...head, keyId: k.keyId })).toBe(
      `{"gateway":"${GATEWAY}","headHash":"${'a'.repeat(64)}","headSeq":41,"keyId":"${k.keyId}"}`,
    );
    expect(verifySeal(GATEWAY, seal, k.publicKey)).toBe(true);
  });

  it('rejects any change of gateway, head, keyId or signature, and a different key', () => {
    const k = testKey();
    const other = testKey();
    const seal = signHead(head, k.privateKey);
    expect(verifySeal('gw-other', seal, k.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, { ...seal, headSeq: 42 }, k.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, { ...seal, headHash: 'b'.repeat(64) }, k.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, { ...seal, keyId: other.keyId }, k.publicKey)).toBe(false);
    const sig = Buffer.from(seal.signature, 'base64');
    sig[0]! ^= 1;
    expect(verifySeal(GATEWAY, { ...seal, signature: sig.toString('base64') }, k.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, { ...seal, signature: 'not base64' }, k.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, seal, other.publicKey)).toBe(false);
    expect(verifySeal(GATEWAY, seal, createPublicKey(k.privateKey))).toBe(true);
  });

  it('sealRecord builds a chainable version 2 seal record that readSeal reads back', () => {
    const k = testKey();
    const chain = new HashChain();
    const r1 = chain.append(readingRecord(1));
    const s = chain.append(sealOf(2, r1, k));
    if (s.kind !== 'seal') throw new Error(`expected a seal, got ${s.kind}`);
    expect(s).toMatchObject({ v: 2, seq: 2, kind: 'seal', gateway: GATEWAY, clock: 'yes', prevHash: r1.hash });
    expect(s.event).toMatchObject({
      type: 'seal',
      severity: 'info',
      data: { keyId: k.keyId, headSeq: 1, headHash: r1.hash },
    });
    const data = readSeal(s);
    expect('error' in data).toBe(false);
    if (!('error' in data)) expect(verifySeal(GATEWAY, data, k.publicKey)).toBe(true);
    expect(readSeal({ ...s, event: { ...s.event, data: { ...s.event.data, headSeq: '1' } } })).toEqual({
      error: 'seal headSeq is not an integer',
    });
    expect(readSeal({ ...s, event: { ...s.event, type: 'device_state' } })).toEqual({ error: 'seal record without a seal event' });
  });

  it('sealRecord stamps the clock it is given, "unknown" without one', () => {
    const k = testKey();
    const base = { seq: 2, time: 1_760_000_000_000, gateway: GATEWAY, lab: 'PTB', head: { seq: 1, hash: 'c'.repeat(64) }, privateKey: k.privateKey };
    expect(sealRecord(base)).toMatchObject({ v: 2, kind: 'seal', clock: 'unknown' });
    expect(sealRecord({ ...base, clock: 'no' })).toMatchObject({ v: 2, kind: 'seal', clock: 'no' });
  });

  it('a version 1 seal (no v) still reads and verifies', () => {
    const k = testKey();
    const chain = new HashChain();
    const r1 = chain.append(legacyReadingRecord(1));
    const s = chain.append(legacySealOf(2, r1, k));
    expect(s).not.toHaveProperty('v');
    const data = readSeal(s);
    if ('error' in data) throw new Error(data.error);
    expect(data).toMatchObject({ keyId: k.keyId, headSeq: 1, headHash: r1.hash });
    expect(verifySeal(GATEWAY, data, k.publicKey)).toBe(true);
  });
});
