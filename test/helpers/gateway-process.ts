import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface GatewayProcess {
  proc: ChildProcess;
  /** The status API's base URL, read from the gateway's own log line. */
  url: string;
  /** Every log line the gateway printed so far (stdout and stderr). */
  output: string[];
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Starts `bin/travelgate run --config FILE` (or another entry point, e.g. the compiled
 *  dist/src/cli.js; or other arguments, e.g. `run` alone with TRAVELGATE_CONFIG in `env`) as its
 *  own process and waits for its API URL. */
export async function startGatewayProcess(
  config: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
  entry: string[] = ['bin/travelgate'],
  args: string[] = ['run', '--config', config],
): Promise<GatewayProcess> {
  const proc = spawn(process.execPath, [...entry, ...args], {
    env: { ...process.env, TRAVELGATE_API_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = once(proc, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no API URL within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const m = /"msg":"status API listening"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited before listening:\n${output.join('\n')}`));
    });
  });
  return {
    proc,
    url,
    output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
