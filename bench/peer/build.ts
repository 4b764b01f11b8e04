/**
 * Both peers run as they would be deployed, without a TypeScript loader (tsx alone adds tens of
 * MiB of RSS and start-up CPU): the gateway from the built bundle (`npm run build`, dist/) with
 * the Node options of its systemd unit, the bare loop transpiled to plain JavaScript.
 *
 * Contract: `preparePeers()` builds once per bench run and returns the command lines; the bare
 * loop's JavaScript is written to .scratch-bench/ in the repository (ignored by git) so that it
 * resolves modbus-serial from the project's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './node-process.js';

export interface PeerCommands {
  /** `node <these> run --config FILE` runs the gateway. */
  gateway: string[];
  /** `node <these> '<spec>'` runs the bare loop. */
  bareLoop: string[];
  /** The Node options the gateway runs with (from deploy/travelgate.service). */
  nodeOptions: string[];
}

/** The Node options of deploy/travelgate.service's ExecStart: what a lab's box runs the gateway with. */
export function deployedNodeOptions(): string[] {
  const unit = readFileSync(join(ROOT, 'deploy', 'travelgate.service'), 'utf8');
  const m = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*cli\.js\b/m.exec(unit);
  if (!m) throw new Error('bench: deploy/travelgate.service has no ExecStart=…node [options] …cli.js');
  return m[1]!.split(/\s+/).filter(Boolean);
}

/**
 * Builds the bundle; `node <these> run --config FILE` then runs the gateway as deployed, with
 * `extraFlags` after the unit's options so that they win (a profile, a V8 flag to try). With
 * `prebuiltCli` (another build's dist/src/cli.js, for an A/B against it) nothing is built.
 */
export function buildDeployedGateway(extraFlags: readonly string[] = [], prebuiltCli?: string): string[] {
  if (prebuiltCli === undefined) execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return [...deployedNodeOptions(), ...extraFlags, prebuiltCli ?? join(ROOT, 'dist', 'src', 'cli.js')];
}

export function preparePeers(gatewayFlags: readonly string[] = [], bareFlags: readonly string[] = [], prebuiltCli?: string): PeerCommands {
  const gateway = buildDeployedGateway(gatewayFlags, prebuiltCli);
  const out = join(ROOT, '.scratch-bench');
  mkdirSync(out, { recursive: true });
  const source = readFileSync(join(ROOT, 'bench', 'peer', 'bare-loop.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const bareLoop = join(out, 'bare-loop.mjs');
  writeFileSync(bareLoop, js);
  return { gateway, bareLoop: [...bareFlags, bareLoop], nodeOptions: deployedNodeOptions() };
}
