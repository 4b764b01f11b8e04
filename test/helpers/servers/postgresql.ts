/**
 * Debian's PostgreSQL 15 on a free loopback port with its own temporary data folder, as its own
 * user: as root the cluster belongs to the `postgres` system user (initdb refuses to run as root)
 * and the server is spawned with that uid/gid; otherwise it runs as the current user. The unix
 * socket lives in the temporary folder, authentication is `trust` on loopback, fsync is off (the
 * tests kill receivers, never this server). `createDatabase` gives each test its own database.
 * The server is SIGKILLed if the test process exits first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './daemon.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:port/<database> */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** PID of the server process (for CPU accounting in the benchmark). */
  readonly pid: number | undefined;
  close(): Promise<void>;
}

function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PostgresServer> {
  if (!existsSync(join(PG_BIN, 'postgres'))) throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}): apt-get install -y postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'tg-postgres-'));
  const data = join(dir, 'data');
  const user = owner();
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C'], { ...as, stdio: 'pipe', cwd: dir });
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `fsync=${options.fsync ? 'on' : 'off'}`, '-c', 'max_connections=50'];
  const proc: ChildProcess = spawn(join(PG_BIN, 'postgres'), args, { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (c: Buffer) => output.push(...c.toString('utf8').split('\n').filter(Boolean).slice(-50)));
  const exited = once(proc, 'exit');
  const onExit = () => proc.kill('SIGKILL');
  process.once('exit', onExit);
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited during start:\n${output.join('\n')}`);
    const c = new pg.Client({ connectionString: urlOf('postgres') });
    const ok = await c.connect().then(
      () => true,
      () => false,
    );
    await c.end().catch(() => undefined);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`postgres did not answer within 30 s:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    dir,
    urlOf,
    get pid() {
      return proc.pid;
    },
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: urlOf('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return urlOf(name);
    },
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.kill('SIGINT'); // fast shutdown
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
