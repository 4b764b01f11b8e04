/**
 * From the `api` section of the configuration to the options of buildApi: tokens (generating the
 * ones left empty when `api.generateOperatorToken` is set), TLS files, CORS, the secrets to scrub
 * and the status page's layout.
 *
 * Contract:
 * - A token left empty (its `${ENV:-}` unset) is replaced by 32 random bytes (base64url) only when
 *   `api.generateOperatorToken` is true (the schema refuses an empty token otherwise). Generated
 *   tokens join `secrets`, so they never reach a log line, and are returned for
 *   `announceGeneratedTokens`, which shows them once on the terminal (stderr), never in the log.
 * - TLS files are read here, at start: a missing file fails the start with TG_CONFIG_INVALID.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { TgError } from '../core/errors.js';
import type { SecretSet } from '../core/secrets.js';
import { dashboardLayout } from './dashboard.js';
import type { ApiOptions } from './server.js';

export interface ApiSetup {
  options: ApiOptions;
  /** Tokens made at start, to show once. */
  generated: { name: string; token: string }[];
}

export function apiSetup(config: Config, secrets?: SecretSet): ApiSetup {
  const generated: ApiSetup['generated'] = [];
  const tokens = config.api.tokens.map((t) => {
    if (t.token !== '') return t;
    const token = randomBytes(32).toString('base64url');
    secrets?.add(token);
    generated.push({ name: t.name, token });
    return { ...t, token };
  });
  const layout = dashboardLayout(config.standards ?? []);
  const options: ApiOptions = {
    tokens,
    requireTokenForReads: config.api.requireTokenForReads,
    cors: { origins: config.api.cors?.origins ?? [] },
    hostNames: config.api.hostNames ?? [],
    bindHost: config.api.host,
    events: { maxClients: config.api.maxEventStreams ?? 32 },
    dashboard: () => layout,
    ...(secrets ? { secrets } : {}),
  };
  const tls = config.api.tls;
  if (tls) options.https = { cert: readPem(tls.cert, 'api.tls.cert'), key: readPem(tls.key, 'api.tls.key') };
  return { options, generated };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TgError('TG_CONFIG_INVALID', `${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Shows generated tokens once, on the terminal: the operator copies it from there. */
export function announceGeneratedTokens(
  generated: ApiSetup['generated'],
  url: string,
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  if (generated.length === 0) return;
  const rule = '─'.repeat(72);
  const lines = [
    rule,
    ' travelgate made these API tokens for this run (shown once, not logged):',
    ...generated.map((g) => `   ${g.name}: ${g.token}`),
    ` Use one for operator actions on ${url} (e.g. marking departure or arrival).`,
    ' Set TRAVELGATE_API_TOKEN to choose the token yourself.',
    rule,
  ];
  write(`${lines.join('\n')}\n`);
}
