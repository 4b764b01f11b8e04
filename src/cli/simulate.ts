import { loadConfig } from '../config/load.js';
import { formatIssues } from '../config/format.js';
import { createLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { registry } from '../registry.js';
import { SimulatorHost } from '../../simulators/host.js';
import { onShutdownSignal } from './signals.js';

/** `travelgate simulate --config FILE`: runs the configuration's simulators as their own process. */
export async function simulate(file: string): Promise<number> {
  const result = loadConfig(file, registry);
  if (!result.ok) {
    process.stderr.write(`${file}: invalid configuration\n${formatIssues(result.issues)}\n`);
    return 2;
  }
  const config = result.config;
  const log = createLogger({ level: config.log.level });
  const host = new SimulatorHost(registry.simulators, config.world, { clock: systemClock, log });
  const running = await host.start(config.simulators);
  for (const r of running) {
    const where = [r.endpoint.tcp ? `tcp://${r.endpoint.tcp.host}:${r.endpoint.tcp.port}` : '', r.endpoint.serialPath ?? '']
      .filter(Boolean)
      .join(' ');
    process.stdout.write(`${r.id} (${r.kind}) ${where}\n`);
  }
  await onShutdownSignal(log);
  await host.stop();
  return 0;
}
