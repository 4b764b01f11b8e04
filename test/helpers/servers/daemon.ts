/**
 * A real server process for tests: spawned with its own config, waited on until it answers,
 * stopped (SIGTERM), killed (SIGKILL) and restarted with the same config, port and data.
 * The process is SIGKILLed if the test process exits first, so no daemon outlives a test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';

/** A real server a test started on a free loopback port with its own temporary folder. */
export interface ManagedServer {
  url: string;
  port: number;
  dir: string;
  daemon: Daemon;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Start again on the same port with the same data folder. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stop and delete the temporary folder. */
  close(): Promise<void>;
}

export class Daemon {
  readonly output: string[] = [];
  #proc: ChildProcess | undefined;
  #exited: Promise<unknown> | undefined;
  readonly #onExit = () => this.#proc?.kill('SIGKILL');

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    /** Resolves true once the server answers. */
    private readonly ready: () => Promise<boolean>,
  ) {}

  get running(): boolean {
    return this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    if (this.running) return;
    const proc = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc = proc;
    this.#exited = once(proc, 'exit');
    process.once('exit', this.#onExit);
    for (const s of [proc.stdout!, proc.stderr!]) {
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        this.output.push(...chunk.split('\n').filter(Boolean));
        if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
      });
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start:\n${this.output.join('\n')}`);
      if (await this.ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`${this.name} did not answer within ${timeoutMs} ms:\n${this.output.join('\n')}`);
  }

  /** SIGTERM and wait (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.#proc?.kill('SIGKILL'), 10_000);
    this.#proc!.kill('SIGTERM');
    await this.#exited;
    clearTimeout(timer);
    process.removeListener('exit', this.#onExit);
  }

  /** SIGKILL and wait: no chance to save or close anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#proc!.kill('SIGKILL');
    await this.#exited;
    process.removeListener('exit', this.#onExit);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}
