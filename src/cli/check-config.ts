import { loadConfig } from '../config/load.js';
import { formatIssues, type ConfigIssue } from '../config/format.js';
import { registry } from '../registry.js';
import { preflight } from './preflight.js';

/**
 * `travelgate check-config --config FILE`: the configuration as `run` reads it, plus what it needs
 * from this machine (preflight.ts: the seal key, named files, a writable data folder). Exit 0 when
 * it would start (warnings, if any, on stderr as `warning: path: message`), else exit 2 with every
 * problem as `path: message`.
 */
export async function checkConfig(
  file: string,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const result = loadConfig(file, registry, env);
  if (!result.ok) {
    io.stderr.write(problems(file, result.issues));
    return 2;
  }
  const c = result.config;
  const findings = await preflight(c);
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning').map((f) => `warning: ${f.path}: ${f.message}\n`).join('');
  if (errors.length > 0) {
    io.stderr.write(problems(file, errors) + warnings);
    return 2;
  }
  io.stdout.write(`${file}: valid (${c.links.length} links, ${c.devices.length} devices, ${c.standards.length} standards, ${c.simulators.length} simulators)\n`);
  io.stderr.write(warnings);
  return 0;
}

function problems(file: string, issues: readonly ConfigIssue[]): string {
  return `${file}: ${issues.length} problem${issues.length > 1 ? 's' : ''}\n${formatIssues(issues)}\n`;
}
