/**
 * `npm run bench -- soak [--minutes N] [--every S]`: the demo (config/demo.yaml: its simulated
 * instruments, the checks, seals) as its own process, compiled and with the systemd unit's Node
 * options as a lab's box runs it, forwarding to a real InfluxDB and a real
 * Mosquitto (Debian's, started on free ports by the test helpers), for N minutes (default 3).
 * Every S seconds (default 5) it samples the gateway's resident memory (/proc/<pid>/status), its
 * V8 heap and external memory (GET /metrics), and the records the sinks confirmed; at the end it prints a least-squares
 * fit of each against time as growth per hour (with R²), over the run after a warm-up (the first
 * tenth, at least 30 s) and over its second half.
 *
 * A slope that is not flat is a finding. Expect some growth while the journal's in-memory tail
 * fills (4096 records, at most 12 MiB: about 20 minutes of the demo's rate) and V8 sizes its heap;
 * after that both should be flat. The one-hour figure is the one that counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../test/helpers/gateway-process.js';
import { buildDeployedGateway } from './peer/build.js';
import { startInfluxd } from '../test/helpers/servers/influxdb.js';
import { startMosquitto } from '../test/helpers/servers/mosquitto.js';
import { round, type BenchResult } from './types.js';

interface Sample {
  t: number; // seconds since start
  rss: number; // bytes
  heap: number; // bytes (V8 heap used)
  external: number; // bytes (memory outside the V8 heap that V8 knows of: Buffers, ...)
  records: number; // journal lastSeq
  influx: number; // cursor
  mqtt: number; // cursor
}

function flag(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Least squares y = a + b t: slope b and R². */
export function linearFit(points: readonly { t: number; y: number }[]): { slope: number; r2: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, r2: 0 };
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let stt = 0;
  let sty = 0;
  let syy = 0;
  for (const p of points) {
    stt += (p.t - mt) ** 2;
    sty += (p.t - mt) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  const slope = stt > 0 ? sty / stt : 0;
  const r2 = stt > 0 && syy > 0 ? (sty * sty) / (stt * syy) : 0;
  return { slope, r2 };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

export async function benchSoak(): Promise<BenchResult[]> {
  const minutes = flag('minutes', 3);
  const everyS = flag('every', 5);
  const dir = mkdtempSync(join(tmpdir(), 'tg-soak-'));
  const [influx, mosquitto] = await Promise.all([startInfluxd(), startMosquitto()]);
  const gw = await startGatewayProcess('config/demo.yaml', {
    TRAVELGATE_DATA_DIR: join(dir, 'data'),
    TRAVELGATE_INFLUX_URL: influx.url,
    TRAVELGATE_MQTT_URL: mosquitto.url,
    TRAVELGATE_LOG_LEVEL: 'info', // the helper reads the API's address from the log
    TRAVELGATE_API_TOKEN: 'soak-token-0123456789abcdef',
  }, 20_000, buildDeployedGateway());
  const samples: Sample[] = [];
  const started = performance.now();
  process.stderr.write(`soak: ${minutes} min, a sample every ${everyS} s (gateway pid ${gw.proc.pid}, ${gw.url})\n`);
  try {
    const end = started + minutes * 60_000;
    while (performance.now() < end) {
      const [metrics, status] = await Promise.all([
        fetch(`${gw.url}/metrics`).then((r) => r.text()),
        fetch(`${gw.url}/api/v1/status`).then((r) => r.json() as Promise<{ journal: { lastSeq: number }; sinks: { name: string; cursor: number }[] }>),
      ]);
      const cursor = (name: string) => status.sinks.find((s) => s.name === name)?.cursor ?? 0;
      const s: Sample = {
        t: (performance.now() - started) / 1000,
        rss: rssOf(gw.proc.pid!),
        heap: metric(metrics, 'travelgate_nodejs_heap_size_used_bytes'),
        external: metric(metrics, 'travelgate_nodejs_external_memory_bytes'),
        records: status.journal.lastSeq,
        influx: cursor('influx'),
        mqtt: cursor('mqtt'),
      };
      samples.push(s);
      if (samples.length % 12 === 1) {
        process.stderr.write(
          `soak: ${Math.round(s.t)} s rss ${(s.rss / 2 ** 20).toFixed(1)} MiB heap ${(s.heap / 2 ** 20).toFixed(1)} MiB records ${s.records} influx ${s.influx} mqtt ${s.mqtt}\n`,
        );
      }
      await new Promise((r) => setTimeout(r, everyS * 1000));
    }
  } finally {
    const code = await gw.stop();
    if (code !== 0) process.stderr.write(`soak: the gateway exited with ${code}\n`);
    await Promise.all([influx.close(), mosquitto.close()]);
    rmSync(dir, { recursive: true, force: true });
  }

  const total = samples[samples.length - 1]!.t;
  const warm = Math.max(30, total / 10);
  const after = samples.filter((s) => s.t >= warm);
  const half = samples.filter((s) => s.t >= total / 2);
  const perHour = (points: Sample[], key: 'rss' | 'heap' | 'external') => linearFit(points.map((s) => ({ t: s.t / 3600, y: s[key] / 2 ** 20 })));
  const first = after[0] ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  const rows: BenchResult[] = [];
  // RSS beyond heap + external is native memory (SQLite's page caches, the allocator's arenas).
  for (const key of ['rss', 'heap', 'external'] as const) {
    const all = perHour(after, key);
    const second = perHour(half, key);
    rows.push({ name: `${key} growth after warm-up (${Math.round(warm)} s; R² ${round(all.r2, 2)})`, value: round(all.slope, 2), unit: 'MiB/h' });
    rows.push({ name: `${key} growth over the second half (R² ${round(second.r2, 2)})`, value: round(second.slope, 2), unit: 'MiB/h' });
    rows.push({ name: `${key} at warm-up end → at the end`, value: round(last[key] / 2 ** 20, 1), unit: `MiB (from ${round(first[key] / 2 ** 20, 1)})` });
  }
  rows.push({ name: 'records journaled', value: last.records, unit: `in ${round(total / 60, 1)} min` });
  rows.push({ name: 'records confirmed by InfluxDB / MQTT (cursors)', value: last.influx, unit: `/ ${last.mqtt}` });
  rows.push({ name: 'samples', value: samples.length, unit: `every ${everyS} s` });
  return rows;
}
