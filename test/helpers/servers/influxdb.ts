/**
 * Debian's influxd (1.6) on free loopback ports (HTTP and the RPC bind-address) with a generated
 * config whose meta, data and WAL folders live in its own temporary folder; usage reporting, the
 * _internal monitor database, query logging and continuous queries are off.
 * `query` talks HTTP to /query directly, independently of the `influx` package the sink uses.
 * With `auth`, HTTP authentication is on (`auth-enabled`) and the admin user is created first;
 * `query` and `writeLines` then send the admin's credentials.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, freePort, type ManagedServer } from './daemon.js';

export const INFLUXD = '/usr/bin/influxd';

export interface InfluxSeries {
  name: string;
  columns: string[];
  values: unknown[][];
  tags?: Record<string, string>;
}

export interface InfluxServer extends ManagedServer {
  /** Runs InfluxQL; returns the series of the first statement (throws on an error). */
  query(db: string, q: string): Promise<InfluxSeries[]>;
  /** Writes line protocol as is (e.g. to plant a field-type conflict). */
  writeLines(db: string, lines: string): Promise<number>;
}

export interface InfluxOptions {
  /** auth-enabled, with this admin user (created at start). */
  auth?: { user: string; password: string };
}

export async function startInfluxd(options: InfluxOptions = {}): Promise<InfluxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-influxd-'));
  const [http, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  index-version = "inmem"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
  pprof-enabled = false
  auth-enabled = ${options.auth ? 'true' : 'false'}
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[ifql]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${http}`;
  const ping = async () => (await fetch(`${url}/ping`)).status === 204;
  const daemon = new Daemon('influxd', INFLUXD, ['run', '-config', config], ping);
  await daemon.start();
  const headers: Record<string, string> = {};
  if (options.auth) {
    // With auth on and no user yet, InfluxDB 1.x lets anyone create the first admin.
    const q = `CREATE USER "${options.auth.user}" WITH PASSWORD '${options.auth.password}' WITH ALL PRIVILEGES`;
    const res = await fetch(`${url}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
    if (!res.ok) throw new Error(`influxd: could not create the admin user: ${res.status} ${await res.text()}`);
    headers.authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
  }
  return {
    url,
    port: http,
    dir,
    daemon,
    stop: () => daemon.stop(),
    kill: () => daemon.kill(),
    start: () => daemon.start(),
    restart: () => daemon.restart(),
    close: async () => {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    query: async (db, q) => {
      const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ns' })}`, { method: 'POST', headers });
      const body = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
      const err = body.error ?? body.results?.[0]?.error;
      if (err) throw new Error(`InfluxQL "${q}": ${err}`);
      return body.results?.[0]?.series ?? [];
    },
    writeLines: async (db, lines) => {
      const res = await fetch(`${url}/write?${new URLSearchParams({ db })}`, { method: 'POST', body: lines, headers });
      await res.text();
      return res.status;
    },
  };
}
