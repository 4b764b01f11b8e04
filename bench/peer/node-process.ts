/**
 * A Node process the peer suite starts (simulator, bare loop, gateway, export, verify), run from the
 * repository root with the same Node binary, its output kept for error messages.
 *
 * Contract: `stop()` sends SIGTERM and waits for the exit (SIGKILL after `graceMs`); it is safe to
 * call twice or after the process exited. A process still running when this bench process exits is
 * SIGKILLed, so nothing outlives a run that failed half-way.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/peer/../..). */
export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** The CLI as a checkout runs it (TypeScript through tsx). */
export const TRAVELGATE = join(ROOT, 'bin', 'travelgate');

const KEPT_LINES = 200;

export interface NodeProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The last lines it printed (stdout unless redirected, and stderr). */
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM, wait; SIGKILL after graceMs. Resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
  /** Every line printed so far plus what is still to come, for a failure message. */
  describe(): string;
}

export interface SpawnOptions {
  /** Where stdout goes: 'pipe' (kept in `output`) or an open file descriptor. */
  stdout?: 'pipe' | number;
  env?: NodeJS.ProcessEnv;
}

export function spawnNode(name: string, args: readonly string[], options: SpawnOptions = {}): NodeProcess {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'pipe', 'pipe'];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio, env: { ...process.env, ...options.env } });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${process.execPath} ${args.join(' ')}`);
  const output: string[] = [];
  // PEER_LOG_DIR: every line also goes to <dir>/<name>-<pid>.log (e.g. a --trace-gc-nvp trace).
  const logDir = process.env.PEER_LOG_DIR;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const log = logDir ? createWriteStream(join(logDir, `${name.replace(/\W+/g, '-')}-${proc.pid}.log`)) : undefined;
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      log?.write(`${line}\n`);
      output.push(line);
      if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
    });
  }
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  return {
    name,
    proc,
    pid: proc.pid,
    output,
    exited,
    running,
    stop: async (graceMs = 30_000) => {
      if (running()) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
    describe: () => `${name} (pid ${proc.pid}):\n${output.join('\n')}`,
  };
}

/** Runs a process to its end; resolves with its exit code. */
export async function runNode(name: string, args: readonly string[], options: SpawnOptions = {}): Promise<{ code: number | null; output: string[] }> {
  const p = spawnNode(name, args, options);
  const { code } = await p.exited;
  // Let the line readers take the last lines after the exit.
  await new Promise((r) => setImmediate(r));
  return { code, output: p.output };
}
