/**
 * The integrity library: canonical form and record hashes, the hash chain the journal extends,
 * Ed25519 seals over the chain head, and the verifier (also meant for the platform side).
 */
export { canonicalJson, recordHashInput, hashRecord, sha256Hex, type HashableRecord } from './canonical.js';
export { HashChain, type UnhashedRecord } from './chain.js';
export {
  generateKeyPair,
  writeKeyPair,
  loadPrivateKey,
  loadPublicKey,
  keyIdOf,
  sealMessage,
  signHead,
  verifySeal,
  sealRecord,
  readSeal,
  type SealData,
  type SealedHead,
  type GeneratedKeyPair,
  type WrittenKeyPair,
} from './seal.js';
export {
  verifyRecords,
  ChainVerifier,
  trustedKeyMap,
  type TrustedKeys,
  type VerifyOptions,
  type VerifyOk,
  type VerifyFailure,
  type VerifyResult,
} from './verify.js';
export { parseNdjson, type ParseOptions, type ParseResult } from './ndjson.js';
