/**
 * What a valid configuration still needs from the machine it runs on, checked by `check-config`
 * (which the systemd unit runs before every start) and again by `run` before it starts anything:
 *
 * errors (check-config exits 2; run stops with one line):
 * - the seal key: `integrity.keyFile` (default <dataDir>/seal.key) must exist and be a readable
 *   Ed25519 private key, unless `integrity.generateKey` makes one at the first start;
 * - the files the configuration names: api.tls cert and key, the MQTT sink's ca, cert and key;
 * - the data folder must be writable (or creatable) by this user;
 * warnings (reported, exit 0):
 * - no token with the right "operate": every operator action would be refused with 401;
 * - reads protected but no token with the right "read";
 * - no `integrity` section: records are chained but not sealed;
 * - a serial port that does not exist now (the gateway waits for it), or one named /dev/ttyUSB*
 *   instead of by /dev/serial/by-id.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';

export interface Finding {
  severity: 'error' | 'warning';
  path: string;
  message: string;
}

export function sealKeyPath(config: Config): string | undefined {
  return config.integrity ? config.integrity.keyFile || join(config.gateway.dataDir, 'seal.key') : undefined;
}

export async function preflight(config: Config): Promise<Finding[]> {
  const out: Finding[] = [];
  const error = (path: string, message: string) => out.push({ severity: 'error', path, message });
  const warn = (path: string, message: string) => out.push({ severity: 'warning', path, message });

  // The seal key.
  const keyFile = sealKeyPath(config);
  if (!config.integrity) {
    warn('integrity', 'no integrity section: records are hash-chained but not sealed, and exports will not verify');
  } else if (keyFile && !existsSync(keyFile)) {
    if (!config.integrity.generateKey) {
      error(
        'integrity.keyFile',
        `the seal key ${keyFile} does not exist: create it with \`travelgate keygen --out ${keyFile}\` (as the user the gateway runs as) and send ${keyFile}.pub to the pilot laboratory`,
      );
    }
  } else if (keyFile) {
    try {
      const { loadPrivateKey } = await import('../integrity/seal.js');
      loadPrivateKey(keyFile);
    } catch (err) {
      error('integrity.keyFile', `the seal key ${keyFile} cannot be used: ${reason(err)}`);
    }
  }

  // Files the configuration names.
  const readable = (path: string, file: string | undefined) => {
    if (!file) return;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      error(path, `cannot read ${file}: ${reason(err)}`);
    }
  };
  readable('api.tls.cert', config.api.tls?.cert);
  readable('api.tls.key', config.api.tls?.key);
  const mqtt = config.sinks.mqtt;
  if (mqtt && mqtt.url !== '') {
    readable('sinks.mqtt.ca', mqtt.ca);
    readable('sinks.mqtt.cert', mqtt.cert);
    readable('sinks.mqtt.key', mqtt.key);
  }

  // The data folder (or the nearest folder above it that exists) must be writable.
  const dataDir = resolve(config.gateway.dataDir);
  let dir = dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    error('gateway.dataDir', `${dataDir} is not writable by this user${dir === dataDir ? '' : ` (nor can it be created in ${dir})`}: the journal lives there`);
  }

  // Tokens.
  const tokens = config.api.tokens;
  if (!tokens.some((t) => t.rights.includes('operate'))) {
    warn(
      'api.tokens',
      'no token has the right "operate": every operator action (marking departure or arrival, resolving alarms) will be refused with 401. ' +
        'Add { name: operator, token: "${TRAVELGATE_API_TOKEN}", rights: [read, operate] } and set TRAVELGATE_API_TOKEN',
    );
  }
  if (config.api.requireTokenForReads && !tokens.some((t) => t.rights.includes('read'))) {
    warn('api.requireTokenForReads', 'reads need a token but no token has the right "read": neither the page nor the API can be read');
  }

  // Serial ports.
  config.links.forEach((l, i) => {
    if (l.type !== 'serial' && l.type !== 'modbus-rtu') return;
    const path = (l as { path: string }).path;
    if (!existsSync(path)) {
      warn(`links[${i}].path`, `${path} does not exist now (is the adapter plugged in?); the gateway starts anyway and opens it once it appears`);
    } else if (/^\/dev\/tty(USB|ACM)\d+$/.test(path)) {
      warn(`links[${i}].path`, `${path} may name another adapter after a reboot or a re-plug: name it by /dev/serial/by-id/... (ls -l /dev/serial/by-id/)`);
    }
  });
  return out;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return 'permission denied (is it readable by the user the gateway runs as?)';
  if (code === 'ENOENT') return 'no such file';
  return err instanceof Error ? err.message : String(err);
}
