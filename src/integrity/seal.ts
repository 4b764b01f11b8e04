/**
 * Ed25519 seals over the chain head.
 *
 * Contract:
 * - A seal states "gateway G's chain had hash H at seq S", signed by key K:
 *   message = canonicalJson({ gateway, headSeq, headHash, keyId }), signature = Ed25519(message),
 *   base64 (standard alphabet, padded: 88 characters).
 * - keyId = first 16 hex digits of SHA-256 over the raw 32-byte Ed25519 public key.
 * - A seal is stored as an ordinary journal record of kind 'seal' whose
 *   `event = { type: 'seal', time, severity: 'info', message, data: { keyId, headSeq, headHash, signature } }`.
 *   It is hash-chained like any other record; `sealRecord` builds it for `HashChain.append`.
 * - Key files: PKCS#8 PEM private key (mode 0600), SPKI PEM public key at `${file}.pub` (mode 0644).
 *   Nothing meant for logs returns private key material: `writeKeyPair` returns paths and the key id;
 *   `generateKeyPair` returns `privatePem` as a non-enumerable property, so JSON.stringify, pino and
 *   console.log of the result never show it (read it as `kp.privatePem`; `{ ...kp }` drops it).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { RECORD_VERSION, type ClockSyncState, type EventRecord, type JournalRecord } from '../core/types.js';
import { canonicalJson, sha256Hex } from './canonical.js';

/** What a seal record carries in `event.data`. */
export interface SealData {
  keyId: string;
  headSeq: number;
  headHash: string;
  /** Base64 Ed25519 signature over `sealMessage(...)`. */
  signature: string;
}

/** The head a seal names, with the gateway it belongs to. */
export interface SealedHead {
  gateway: string;
  headSeq: number;
  headHash: string;
}

export interface GeneratedKeyPair {
  /** PKCS#8 PEM. Non-enumerable: never serialised or logged with the object. */
  readonly privatePem: string;
  publicPem: string;
  keyId: string;
}

/** What `writeKeyPair` returns: safe to log. */
export interface WrittenKeyPair {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
  publicPem: string;
}

const SIGNATURE_B64 = /^[A-Za-z0-9+/]{86}==$/;
const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** The exact bytes (as a string) that a seal signs. */
export function sealMessage(head: SealedHead & { keyId: string }): string {
  return canonicalJson({ gateway: head.gateway, headSeq: head.headSeq, headHash: head.headHash, keyId: head.keyId });
}

/** keyId of an Ed25519 key (public or private KeyObject, or a PEM of either). */
export function keyIdOf(key: KeyObject | string): string {
  const pub = typeof key === 'string' || key.type === 'private' ? createPublicKey(key) : key;
  assertEd25519(pub, 'key');
  const { x } = pub.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('Ed25519 public key without a raw point');
  return sha256Hex(Buffer.from(x, 'base64url')).slice(0, 16);
}

/** A fresh Ed25519 key pair. */
export function generateKeyPair(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pair = {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
  Object.defineProperty(pair, 'privatePem', {
    value: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    enumerable: false,
  });
  return pair as GeneratedKeyPair;
}

/**
 * Generate a key pair and write it: private key to `file` (0600), public key to `${file}.pub` (0644).
 * Refuses (error code 'EEXIST') when either file exists, unless `force`; with `force` the files are
 * replaced atomically (write to a temporary file, then rename), so a reader never sees half a key.
 * Keep the old `.pub` somewhere when replacing a key: seals made with it verify only against it.
 */
export function writeKeyPair(file: string, options: { force?: boolean } = {}): WrittenKeyPair {
  const publicKeyFile = `${file}.pub`;
  if (!options.force) {
    for (const f of [file, publicKeyFile]) {
      if (existsSync(f)) {
        throw Object.assign(new Error(`refusing to overwrite existing key file ${f} (use force to replace it)`), {
          code: 'EEXIST',
        });
      }
    }
  }
  const kp = generateKeyPair();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeKeyFile(file, kp.privatePem, 0o600, options.force === true);
  writeKeyFile(publicKeyFile, kp.publicPem, 0o644, options.force === true);
  return { keyId: kp.keyId, privateKeyFile: file, publicKeyFile, publicPem: kp.publicPem };
}

/**
 * Write `data` to `target` with exactly `mode` (fchmod: the umask must not widen or narrow it).
 * Without `replace` the target is created exclusively ('wx'), so a concurrent writer cannot be
 * overwritten either; with `replace` a temporary sibling is renamed over the target.
 */
function writeKeyFile(target: string, data: string, mode: number, replace: boolean): void {
  const path = replace ? `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}` : target;
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (replace) {
    try {
      renameSync(path, target);
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
  }
}

/** Load a PKCS#8 PEM Ed25519 private key. Errors name the file, never its content. */
export function loadPrivateKey(file: string): KeyObject {
  const key = parseKey(file, () => createPrivateKey(readFileSync(file)));
  if (key.type !== 'private') throw new TypeError(`${file} is not a private key`);
  assertEd25519(key, file);
  return key;
}

/** Load an Ed25519 public key (SPKI PEM; a private key PEM also works: its public half is used). */
export function loadPublicKey(file: string): KeyObject {
  const key = parseKey(file, () => createPublicKey(readFileSync(file)));
  assertEd25519(key, file);
  return key;
}

function parseKey(file: string, parse: () => KeyObject): KeyObject {
  try {
    return parse();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw err;
    throw new TypeError(`${file} does not hold a PEM key`, { cause: err });
  }
}

function assertEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`);
  }
}

/** Sign a chain head. `keyId` defaults to the key's own id. */
export function signHead(head: SealedHead, privateKey: KeyObject, keyId: string = keyIdOf(privateKey)): SealData {
  const message = sealMessage({ ...head, keyId });
  const signature = sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64');
  return { keyId, headSeq: head.headSeq, headHash: head.headHash, signature };
}

/** True when `seal` is a valid signature by `publicKey` over the head it names for `gateway`. */
export function verifySeal(gateway: string, seal: SealData, publicKey: KeyObject): boolean {
  if (!SIGNATURE_B64.test(seal.signature)) return false;
  const message = sealMessage({ gateway, headSeq: seal.headSeq, headHash: seal.headHash, keyId: seal.keyId });
  try {
    return verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(seal.signature, 'base64'));
  } catch {
    return false; // wrong key type and the like: not a valid seal, not an exception
  }
}

/**
 * The unhashed seal record naming `head` (normally the record just committed), ready for
 * `HashChain.append`. `seq` is the seal's own sequence number (head.seq + 1 in normal operation).
 */
export function sealRecord(args: {
  seq: number;
  time: number;
  gateway: string;
  lab: string;
  head: Pick<JournalRecord, 'seq' | 'hash'>;
  privateKey: KeyObject;
  keyId?: string;
  clock?: ClockSyncState;
}): Omit<EventRecord, 'prevHash' | 'hash'> {
  const head = { gateway: args.gateway, headSeq: args.head.seq, headHash: args.head.hash };
  const data = signHead(head, args.privateKey, args.keyId);
  return {
    v: RECORD_VERSION,
    clock: args.clock ?? 'unknown',
    seq: args.seq,
    kind: 'seal',
    gateway: args.gateway,
    lab: args.lab,
    time: args.time,
    event: {
      type: 'seal',
      time: args.time,
      severity: 'info',
      message: `sealed chain head at seq ${data.headSeq} with key ${data.keyId}`,
      data: { ...data },
    },
  };
}

/** The seal data of a record of kind 'seal', or a reason why it is malformed. */
export function readSeal(record: JournalRecord): SealData | { error: string } {
  const ev = (record as { event?: unknown }).event as EventRecord['event'] | null | undefined;
  if (ev === null || typeof ev !== 'object' || ev.type !== 'seal') return { error: 'seal record without a seal event' };
  const d = ev.data;
  if (d === null || typeof d !== 'object') return { error: 'seal event without data' };
  const { keyId, headSeq, headHash, signature } = d as Record<string, unknown>;
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) return { error: 'seal keyId is not 16 hex digits' };
  if (typeof headSeq !== 'number' || !Number.isSafeInteger(headSeq)) return { error: 'seal headSeq is not an integer' };
  if (typeof headHash !== 'string' || !HEX64.test(headHash)) {
    return { error: 'seal headHash is not a SHA-256 hex digest' };
  }
  if (typeof signature !== 'string' || !SIGNATURE_B64.test(signature)) {
    return { error: 'seal signature is not a base64 Ed25519 signature' };
  }
  return { keyId, headSeq, headHash, signature };
}
