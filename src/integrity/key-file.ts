import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { TgError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { keyIdOf, loadPrivateKey, writeKeyPair } from './seal.js';

/**
 * The seal key named by `integrity.keyFile` (default <dataDir>/seal.key), generated first when it
 * is missing and `integrity.generateKey` is set. No `integrity` section: no key, no seals.
 */
export function loadSealKey(config: Config, log: Logger): KeyObject | undefined {
  const integrity = config.integrity;
  if (!integrity) {
    log.warn('no integrity section: records are hash-chained but not sealed, and exports will not verify');
    return undefined;
  }
  const keyFile = integrity.keyFile || join(config.gateway.dataDir, 'seal.key'); // '' from ${VAR:-} too
  if (!existsSync(keyFile)) {
    if (!integrity.generateKey) {
      throw new TgError('TG_CONFIG_INVALID', `integrity.keyFile ${keyFile} does not exist (create it with: travelgate keygen --out ${keyFile})`);
    }
    const written = writeKeyPair(keyFile);
    log.info({ keyId: written.keyId, publicKeyFile: written.publicKeyFile }, 'generated a seal key pair');
  }
  const privateKey = loadPrivateKey(keyFile);
  log.info({ keyFile, keyId: keyIdOf(privateKey) }, 'seal key loaded');
  return privateKey;
}
