import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A pseudo-terminal pair made by socat: `path` is the end a gateway opens as its serial port,
 * `${path}.sim` the end the simulator holds. Stopping the pair makes `path` disappear, as an
 * unplugged USB-serial adapter does; starting it again recreates it at the same path.
 *
 * `path` appears only once the simulator's end is open (`start(openDeviceEnd)`): socat links the
 * gateway's end at a private name first and it is renamed into place afterwards. Otherwise a
 * gateway waiting for the port to come back could open it and send its first request before the
 * simulator held its end, and opening a serial port discards what is waiting in it (serialport
 * flushes its input on open): the request would be lost, which a real adapter, plugged in with the
 * instrument already behind it, never does.
 */
export class PtyPair {
  private proc: ChildProcess | undefined;

  constructor(readonly path: string) {}

  get devicePath(): string {
    return `${this.path}.sim`;
  }

  private get pendingPath(): string {
    return `${this.path}.opening`;
  }

  async start(openDeviceEnd: () => Promise<void> = async () => undefined): Promise<void> {
    if (this.proc) return;
    const proc = spawn(
      'socat',
      [`PTY,raw,echo=0,link=${this.pendingPath}`, `PTY,raw,echo=0,link=${this.devicePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    this.proc = proc;
    for (let i = 0; i < 200; i++) {
      if (existsSync(this.pendingPath) && existsSync(this.devicePath)) {
        await openDeviceEnd();
        await rename(this.pendingPath, this.path);
        return;
      }
      if (proc.exitCode !== null) break;
      const err = await Promise.race([spawnError, delay(10).then(() => undefined)]);
      if (err) {
        this.proc = undefined;
        throw new Error(`socat could not start (${err.message}); install it with: apt-get install socat`);
      }
    }
    this.proc = undefined;
    proc.kill('SIGKILL');
    throw new Error(`socat did not create ${this.path}: ${stderr.trim() || 'timed out'}`);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    // socat removes the links it made at exit; the one renamed into place is ours to remove.
    await rm(this.path, { force: true });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await Promise.race([exited, delay(2000)]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}
