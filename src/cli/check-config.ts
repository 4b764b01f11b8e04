import { loadConfig } from '../config/load.js';
import { formatIssues } from '../config/format.js';
import { registry } from '../registry.js';

/** `travelgate check-config --config FILE`: exit 0 when valid, else 2 and every problem. */
export function checkConfig(file: string): number {
  const result = loadConfig(file, registry);
  if (result.ok) {
    const c = result.config;
    process.stdout.write(`${file}: valid (${c.links.length} links, ${c.devices.length} devices, ${c.simulators.length} simulators)\n`);
    return 0;
  }
  process.stderr.write(`${file}: ${result.issues.length} problem${result.issues.length > 1 ? 's' : ''}\n${formatIssues(result.issues)}\n`);
  return 2;
}
