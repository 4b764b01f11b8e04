import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyStream } from './log/pretty.js';
import type { SecretSet } from './secrets.js';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_KEYS = ['token', 'tokens', 'password', 'passwd', 'authorization', 'key', 'privateKey', 'secret', 'apiKey', 'credentials', 'cookie'];

/** `json`: one JSON object a line (services, pipes); `pretty`: readable lines (log/pretty.ts);
 *  `auto`: pretty when the output is a terminal, else JSON. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether `auto` picks the readable format: stdout is a terminal. */
export function prettyByDefault(stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true;
}

/**
 * A logger: JSON lines, or readable lines on a terminal (`format`, default `auto`; a given
 * `destination` gets JSON unless `format: 'pretty'`). Two layers keep secrets out of the output:
 * pino redacts values under the keys above (to three levels deep, and in request headers), and
 * when `secrets` is given every line is scrubbed of their literal values as its last step, which
 * also catches a secret inside a message or an error text (e.g. a URL with a password in a
 * connection error). The scrub runs on the JSON line, before it is made readable.
 */
export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; secrets?: SecretSet; format?: LogFormat } = {},
): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `req.headers.${k}`, `headers.${k}`]);
  const secrets = options.secrets;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && options.destination === undefined && prettyByDefault());
  const destination: DestinationStream | NodeJS.WritableStream = pretty
    ? prettyStream(options.destination ?? process.stdout, { color: options.destination === undefined && prettyByDefault() })
    : (options.destination ?? pino.destination(1));
  return pino(
    {
      level: options.level ?? process.env.TRAVELGATE_LOG_LEVEL ?? 'info',
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(secrets ? { hooks: { streamWrite: (line: string) => secrets.scrub(line) } } : {}),
    },
    destination as DestinationStream,
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
