import type { Logger } from '../core/logger.js';

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
export function onShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      received = true;
      log.info({ signal }, 'stopping');
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
