/**
 * Debian's influxd (1.6) on free loopback ports (HTTP and the RPC bind-address) with a generated
 * config whose meta, data and WAL folders live in its own temporary folder; usage reporting, the
 * _internal monitor database, query logging and continuous queries are off.
 * `query` talks HTTP to /query directly, independently of the `influx` package the sink uses.
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

export async function startInfluxd(): Promise<InfluxServer> {
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
      const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ns' })}`, { method: 'POST' });
      const body = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
      const err = body.error ?? body.results?.[0]?.error;
      if (err) throw new Error(`InfluxQL "${q}": ${err}`);
      return body.results?.[0]?.series ?? [];
    },
    writeLines: async (db, lines) => {
      const res = await fetch(`${url}/write?${new URLSearchParams({ db })}`, { method: 'POST', body: lines });
      await res.text();
      return res.status;
    },
  };
}
