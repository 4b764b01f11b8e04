import { formatIssues } from '../config/format.js';
import { createLogger } from '../core/logger.js';
import { SecretSet } from '../core/secrets.js';
import { loadPilotConfig } from '../pilot/config.js';
import { buildPilot } from '../pilot/pilot.js';
import { onShutdownSignal } from './signals.js';

/**
 * `travelgate pilot --config FILE`: the comparison platform's receiver and the pilot's view until
 * SIGTERM or SIGINT, then a clean stop. An invalid configuration exits 2 with every problem as
 * `path: message`; a receiver that cannot start exits 1. Secrets are scrubbed from every log line.
 */
export async function pilot(file: string): Promise<number> {
  const result = loadPilotConfig(file);
  if (!result.ok) {
    const n = result.issues.length;
    process.stderr.write(`${file}: ${n} problem${n > 1 ? 's' : ''}\n${formatIssues(result.issues)}\n`);
    return 2;
  }
  const config = result.config;
  const secrets = SecretSet.fromConfig(config);
  const log = createLogger({ level: config.log.level, secrets });
  const crash = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}: exiting so that the service manager restarts the receiver`);
    log.flush?.();
    process.exit(70);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  const receiver = buildPilot(config, { log, secrets });
  const shutdown = onShutdownSignal(log);
  try {
    await receiver.start();
  } catch (err) {
    log.fatal({ err }, 'the pilot receiver could not start');
    await receiver.stop().catch(() => undefined);
    return 1;
  }
  await shutdown;
  await receiver.stop();
  log.info('pilot receiver stopped');
  return 0;
}
