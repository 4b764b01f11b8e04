import { loadConfig } from '../config/load.js';
import { formatIssues } from '../config/format.js';
import { createLogger } from '../core/logger.js';
import { SecretSet } from '../core/secrets.js';
import { buildGateway } from '../gateway.js';
import { registry } from '../registry.js';
import { onShutdownSignal } from './signals.js';

/** `travelgate run --config FILE`: the gateway until SIGTERM or SIGINT, then a clean stop. */
export async function run(file: string): Promise<number> {
  const result = loadConfig(file, registry);
  if (!result.ok) {
    process.stderr.write(`${file}: invalid configuration\n${formatIssues(result.issues)}\n`);
    return 2;
  }
  const config = result.config;
  // Every secret of the configuration is scrubbed from log lines and API errors.
  const secrets = SecretSet.fromConfig(config);
  const log = createLogger({ level: config.log.level, secrets });
  // Crash-only on a programming error: log it through pino (secrets scrubbed) and exit non-zero so
  // the service manager restarts the gateway; the journal keeps every acknowledged reading.
  const crash = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}: exiting so that the service manager restarts the gateway`);
    log.flush?.();
    process.exit(70);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  const gateway = buildGateway(config, { registry, log, secrets });
  // Listen for SIGTERM before starting: a stop asked for during start waits for start, then stops.
  const shutdown = onShutdownSignal(log);
  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'the gateway could not start');
    await gateway.stop().catch(() => undefined);
    return 1;
  }
  log.info({ url: gateway.url }, 'travelgate running');
  await shutdown;
  await gateway.stop();
  log.info('travelgate stopped');
  return 0;
}
