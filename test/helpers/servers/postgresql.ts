/**
 * Debian's PostgreSQL on a free loopback port with its own temporary data folder, as its own user.
 *
 * - The server binaries are found under /usr/lib/postgresql/<version>/bin (the newest version
 *   installed; Debian 12 ships 15, Debian 13 ships 17), or in $TRAVELGATE_PG_BIN.
 * - initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user
 *   (the Debian package creates it; `nobody` otherwise) and initdb and the server run with that
 *   uid/gid; otherwise they run as the current user.
 * - The unix socket lives in the temporary folder, authentication is `trust` on 127.0.0.1, fsync is
 *   off unless asked for (the tests kill receivers, never this server). `createDatabase` gives each
 *   test its own database.
 * - `close()` stops the server (fast shutdown: open sessions are ended) and deletes the folder; if
 *   the test process exits first, the server is SIGKILLed and the folder deleted on the way out.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './daemon.js';

/** The bin folder of the newest PostgreSQL installed, or undefined. */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.TRAVELGATE_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'postgres')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

export interface PostgresServer {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:port/<database> */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** PID of the postmaster (its backends are its children: CPU accounting in the benchmark). */
  readonly pid: number | undefined;
  close(): Promise<void>;
}

/** As root: the system user that owns the cluster. */
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', user], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists to own the test cluster');
}

export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres): apt-get install -y postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'tg-postgres-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const user = owner();
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  let proc: ChildProcess | undefined;
  const onExit = () => {
    proc?.kill('SIGKILL');
    remove();
  };
  process.once('exit', onExit);
  const fail = (err: Error): never => {
    proc?.kill('SIGKILL');
    process.removeListener('exit', onExit);
    remove();
    throw err;
  };
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C'], { ...as, stdio: 'pipe', cwd: dir });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    fail(new Error(`initdb failed: ${e.stderr?.toString() || e.message}`));
  }
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `fsync=${options.fsync ? 'on' : 'off'}`, '-c', 'max_connections=60'];
  const server = spawn(join(bin, 'postgres'), args, { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc = server;
  const output: string[] = [];
  for (const s of [server.stdout!, server.stderr!]) {
    s.on('data', (c: Buffer) => {
      output.push(...c.toString('utf8').split('\n').filter(Boolean));
      if (output.length > 100) output.splice(0, output.length - 100);
    });
  }
  const exited = once(server, 'exit');
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) fail(new Error(`postgres exited during start:\n${output.join('\n')}`));
    const c = new pg.Client({ connectionString: urlOf('postgres') });
    c.on('error', () => undefined);
    const ok = await c.connect().then(
      () => true,
      () => false,
    );
    await c.end().catch(() => undefined);
    if (ok) break;
    if (Date.now() > deadline) fail(new Error(`postgres did not answer within 30 s:\n${output.join('\n')}`));
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    dir,
    urlOf,
    get pid() {
      return server.pid;
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
      if (server.exitCode === null && server.signalCode === null) {
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        server.kill('SIGINT'); // fast shutdown: sessions still open are ended
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', onExit);
      remove();
    },
  };
}
