/**
 * The catalogue of error codes. `retryable` errors are expected in the field (a timeout, a closed
 * socket) and are retried with backoff; `fatal` errors stop the process with a clear message.
 */
export const ERROR_CATALOGUE = {
  TG_CONFIG_INVALID: { retryable: false, fatal: true, message: 'the configuration is invalid' },
  TG_LINK_TIMEOUT: { retryable: true, fatal: false, message: 'the instrument did not answer in time' },
  TG_LINK_DOWN: { retryable: true, fatal: false, message: 'the link is not connected' },
  TG_LINK_CLOSED: { retryable: true, fatal: false, message: 'the link closed during a request' },
  TG_PARSE_ERROR: { retryable: true, fatal: false, message: 'the reply could not be parsed' },
  TG_DEVICE_ERROR: { retryable: true, fatal: false, message: 'the instrument reported an error' },
  TG_IDENTITY_MISMATCH: { retryable: false, fatal: false, message: 'the instrument is not the one configured' },
  TG_MODBUS_EXCEPTION: { retryable: true, fatal: false, message: 'the Modbus unit answered with an exception' },
  TG_CIRCUIT_OPEN: { retryable: true, fatal: false, message: 'the unit is resting after repeated failures' },
  TG_JOURNAL_CLOSED: { retryable: false, fatal: true, message: 'the journal is closed' },
  TG_JOURNAL_FULL: { retryable: true, fatal: false, message: 'the journal reached its size cap' },
  TG_ABORTED: { retryable: false, fatal: false, message: 'the operation was aborted' },
  TG_SIMULATOR: { retryable: false, fatal: true, message: 'a simulator could not start' },
  TG_ALREADY_RUNNING: { retryable: false, fatal: true, message: 'another gateway already runs on this journal' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class TgError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly fatal: boolean;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry = ERROR_CATALOGUE[code];
    super(detail ? `${entry.message}: ${detail}` : entry.message, options);
    this.name = 'TgError';
    this.code = code;
    this.retryable = entry.retryable;
    this.fatal = entry.fatal;
  }
}

/** The code of any thrown value: catalogued codes pass through, anything else is unknown. */
export function errorCode(err: unknown): ErrorCode | 'TG_UNKNOWN' {
  return err instanceof TgError ? err.code : 'TG_UNKNOWN';
}

export function isAbort(err: unknown): boolean {
  return (
    (err instanceof TgError && err.code === 'TG_ABORTED') ||
    (err instanceof Error && err.name === 'AbortError')
  );
}
