import { pino, type Logger } from 'pino';
import type { SecretSet } from './secrets.js';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_KEYS = ['token', 'tokens', 'password', 'passwd', 'authorization', 'key', 'privateKey', 'secret', 'apiKey', 'credentials', 'cookie'];

/**
 * A JSON-lines logger. Two layers keep secrets out of the output: pino redacts values under the
 * keys above (to three levels deep, and in request headers), and when `secrets` is given every
 * line is scrubbed of their literal values as its last step, which also catches a secret inside a
 * message or an error text (e.g. a URL with a password in a connection error).
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream; secrets?: SecretSet } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `req.headers.${k}`, `headers.${k}`]);
  const secrets = options.secrets;
  return pino(
    {
      level: options.level ?? process.env.TRAVELGATE_LOG_LEVEL ?? 'info',
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(secrets ? { hooks: { streamWrite: (line: string) => secrets.scrub(line) } } : {}),
    },
    options.destination ?? pino.destination(1),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
