import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_KEYS = ['token', 'tokens', 'password', 'authorization', 'key', 'privateKey', 'secret'];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino(
    {
      level: options.level ?? process.env.TRAVELGATE_LOG_LEVEL ?? 'info',
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
