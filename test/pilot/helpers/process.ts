/**
 * `bin/travelgate pilot --config FILE` as its own process, for the tests that kill it: its API
 * URL is read from its own log line; `kill()` is SIGKILL (nothing saved, nothing closed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface PilotProcess {
  proc: ChildProcess;
  url: string;
  output: string[];
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export async function startPilotProcess(config: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<PilotProcess> {
  const proc = spawn(process.execPath, ['bin/travelgate', 'pilot', '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = once(proc, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pilot API URL within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const m = /"msg":"pilot API listening"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the pilot exited before listening:\n${output.join('\n')}`));
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
