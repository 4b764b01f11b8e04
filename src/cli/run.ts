import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { formatIssues } from '../config/format.js';
import { createLogger } from '../core/logger.js';
import { SecretSet } from '../core/secrets.js';
import { buildGateway } from '../gateway.js';
import { registry } from '../registry.js';
import { preflight } from './preflight.js';
import { onShutdownSignal } from './signals.js';
import { startupFailure } from './startup-errors.js';

/**
 * `travelgate run --config FILE`: the gateway until SIGTERM or SIGINT, then a clean stop (exit 0).
 *
 * Contract:
 * - An invalid configuration: exit 2 with every problem as `path: message` (as check-config).
 * - What the configuration needs from this machine (preflight.ts: the seal key, files, a
 *   writable data folder) and the start-up failures a deployment meets (startup-errors.ts: port
 *   in use, a second gateway on the same journal, ...): one line on stderr,
 *   `travelgate: <what is wrong and what to do>`, exit 2, before anything else is printed where it
 *   can be (the lock and the key come first). Preflight warnings are logged at start.
 * - Any other failure to start is a bug: logged with its stack (fatal), exit 1.
 * - A token made at start (api.generateOperatorToken) is shown on a terminal only; without one
 *   the log says that it was made and how to choose it, never the token.
 */
export async function run(file: string): Promise<number> {
  const result = loadConfig(file, registry);
  if (!result.ok) {
    process.stderr.write(`${file}: invalid configuration\n${formatIssues(result.issues)}\n`);
    return 2;
  }
  const config = result.config;
  const findings = await preflight(config);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    for (const e of errors) process.stderr.write(`travelgate: ${e.path}: ${e.message}\n`);
    return 2;
  }
  // Every secret of the configuration is scrubbed from log lines and API errors.
  const secrets = SecretSet.fromConfig(config);
  const log = createLogger({ level: config.log.level, secrets, format: config.log.format ?? 'auto' });
  for (const w of findings) log.warn({ path: w.path }, `configuration: ${w.path}: ${w.message}`);
  // Crash-only on a programming error: log it through pino (secrets scrubbed) and exit non-zero so
  // the service manager restarts the gateway; the journal keeps every acknowledged reading.
  const crash = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}: exiting so that the service manager restarts the gateway`);
    log.flush?.();
    process.exit(70);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  const announce = (text: string) => {
    if (process.stderr.isTTY) process.stderr.write(text);
    else log.warn('an operator token was made for this run; it is shown on a terminal only, never in a log: set TRAVELGATE_API_TOKEN to choose one');
  };
  const gateway = buildGateway(config, { registry, log, secrets, announce });
  // Listen for SIGTERM before starting: a stop asked for during start waits for start, then stops.
  const shutdown = onShutdownSignal(log);
  try {
    await gateway.start();
  } catch (err) {
    const journalPath = config.journal.path ?? join(config.gateway.dataDir, 'journal.sqlite');
    const line = startupFailure(err, { host: config.api.host, port: config.api.port, journalPath });
    await gateway.stop().catch(() => undefined);
    if (line !== undefined) {
      log.flush?.();
      process.stderr.write(`travelgate: ${line}\n`);
      return 2;
    }
    log.fatal({ err }, 'the gateway could not start');
    return 1;
  }
  log.info({ url: gateway.url }, `travelgate running: the status page is ${gateway.url}/`);
  await shutdown;
  await gateway.stop();
  log.info('travelgate stopped');
  return 0;
}
