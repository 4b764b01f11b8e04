/**
 * `npm run bench -- pilot [--gateways N] [--rate R] [--seconds S]`: the pilot's receiver under N
 * light record generators at R records/s each (bench/pilot/generator.ts), through a real
 * mosquitto, for one receiver on SQLite and for two receivers on a shared subscription with a real
 * PostgreSQL (fsync on). Opt-in (it takes a minute or two): bench/index.ts runs it only when named.
 *
 * Per setup, over S seconds after a 5 s warm-up:
 * - verified records/s: records (acquisitions and seals) that verifiedThrough moved over;
 * - lag p50/p99: from the publish of the message holding an acquisition to the commit of the
 *   store transaction that moved verifiedThrough over it (seals every `sealMs` = 250 ms, so up to
 *   a quarter second of it is the wait for the seal that covers the record);
 * - CPU per 1000 records: the receivers' CPU time (and PostgreSQL's server processes, separately).
 * Goal (issue 15): 200 gateways × 10 records/s, lag p99 ≤ 1 s, on a 2-core machine.
 * Run directly: `node --import tsx bench/pilot/index.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeKeyPair } from '../../src/integrity/seal.js';
import { startMosquitto } from '../../test/helpers/servers/mosquitto.js';
import { startPostgres } from '../../test/helpers/servers/postgresql.js';
import { round, type BenchResult } from '../types.js';

const say = (text: string) => process.stderr.write(`bench pilot: ${text}\n`);
const HERE = new URL('.', import.meta.url).pathname;
const WARMUP_S = 5;
const SEAL_MS = 250;

interface Options {
  gateways: number;
  rate: number;
  seconds: number;
}

function options(argv: readonly string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
  };
  return { gateways: value('gateways', 200), rate: value('rate', 10), seconds: value('seconds', 20) };
}

function child(script: string, args: string[] = []): ChildProcess {
  return fork(join(HERE, script), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

const message = (c: ChildProcess, want: (m: unknown) => boolean) =>
  new Promise<unknown>((resolve) => {
    const on = (m: unknown) => {
      if (!want(m)) return;
      c.off('message', on);
      resolve(m);
    };
    c.on('message', on);
  });

/** CPU seconds of a process and its children (PostgreSQL's backends are children of the postmaster). */
function treeCpuSeconds(root: number): number {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(name) === root || Number(f[1]) === root) total += (Number(f[11]) + Number(f[12])) / ticks;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

async function runSetup(label: string, o: Options, broker: string, configs: string[], keys: { id: string; lab: string; keyFile: string }[], pgPid?: number): Promise<BenchResult[]> {
  const receivers = configs.map((c) => child('receiver.ts', [c]));
  await Promise.all(receivers.map((r) => message(r, (m) => m === 'ready')));
  const published = keys.map(() => new Map<number, number>()); // seq -> publish time
  const index = new Map(keys.map((k, i) => [k.id, i]));
  const lags: number[] = [];
  let verifiedInWindow = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const verified = keys.map(() => 0);
  for (const r of receivers) {
    r.on('message', (m: { t?: number; items?: [string, number, number][] }) => {
      if (!m.items || m.t === undefined) return;
      for (const [g, from, to] of m.items) {
        const i = index.get(g)!;
        verified[i] = Math.max(verified[i]!, to);
        const inWindow = m.t >= windowStart && m.t <= windowEnd;
        if (inWindow) verifiedInWindow += to - from + 1;
        for (let s = from; s <= to; s++) {
          const p = published[i]!.get(s);
          if (p === undefined) continue;
          if (p >= windowStart && p <= windowEnd) lags.push(m.t - p);
          published[i]!.delete(s);
        }
      }
    });
  }
  const gen = child('generator.ts');
  gen.on('message', (m: { t?: number; items?: [number, number, number][] }) => {
    if (!m.items || m.t === undefined) return;
    for (const [i, from, to] of m.items) for (let s = from; s <= to; s++) published[i]!.set(s, m.t);
  });
  gen.send({ url: broker, gateways: keys, ratePerSecond: o.rate, sealMs: SEAL_MS, tickMs: 100 });
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const cpu = async () => {
    const each = await Promise.all(receivers.map(async (r) => {
      const reply = message(r, (m) => typeof (m as { cpu?: unknown }).cpu === 'number');
      r.send('cpu');
      return ((await reply) as { cpu: number }).cpu;
    }));
    return each.reduce((a, b) => a + b, 0);
  };
  const cpu0 = await cpu();
  const pg0 = pgPid ? treeCpuSeconds(pgPid) : 0;
  windowStart = Date.now();
  windowEnd = windowStart + o.seconds * 1000;
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const cpu1 = await cpu();
  const pg1 = pgPid ? treeCpuSeconds(pgPid) : 0;
  gen.send('stop');
  await message(gen, (m) => m === 'stopped');
  // Let the receivers drain what is in flight, so the lag of the last window records is counted.
  const drainUntil = Date.now() + 15_000;
  while (Date.now() < drainUntil && published.some((p) => [...p.values()].some((t) => t <= windowEnd))) await new Promise((r) => setTimeout(r, 200));
  for (const r of receivers) r.send('stop');
  await Promise.all(receivers.map((r) => new Promise((res) => r.once('exit', res))));
  const unverified = published.reduce((n, p) => n + [...p.values()].filter((t) => t <= windowEnd).length, 0);
  lags.sort((a, b) => a - b);
  const perSecond = verifiedInWindow / o.seconds;
  const perThousand = (s: number) => (verifiedInWindow > 0 ? (s * 1000 * 1000) / verifiedInWindow : Number.NaN);
  const rows: BenchResult[] = [
    { name: `${label}: offered`, value: o.gateways * o.rate, unit: `records/s (+ seals, ${o.gateways} gateways × ${o.rate}/s)` },
    { name: `${label}: verified`, value: round(perSecond, 0), unit: 'records/s (seals included)' },
    { name: `${label}: lag p50 publish→verified`, value: round(percentile(lags, 50), 0), unit: 'ms' },
    { name: `${label}: lag p99 publish→verified`, value: round(percentile(lags, 99), 0), unit: 'ms' },
    { name: `${label}: receiver CPU`, value: round(perThousand(cpu1 - cpu0), 1), unit: `ms per 1000 records (${receivers.length} process${receivers.length > 1 ? 'es' : ''})` },
    { name: `${label}: not verified after the run`, value: unverified, unit: 'acquisitions published in the window' },
  ];
  if (pgPid) rows.push({ name: `${label}: PostgreSQL server CPU`, value: round(perThousand(pg1 - pg0), 1), unit: 'ms per 1000 records' });
  return rows;
}

export async function benchPilot(argv: readonly string[] = process.argv.slice(2)): Promise<BenchResult[]> {
  const o = options(argv);
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-pilot-'));
  say(`${o.gateways} gateways × ${o.rate} records/s, ${o.seconds} s after ${WARMUP_S} s warm-up; keys…`);
  const keys = Array.from({ length: o.gateways }, (_, i) => {
    const id = `gw-${String(i + 1).padStart(3, '0')}`;
    const keyFile = join(dir, 'keys', `${id}.key`);
    writeKeyPair(keyFile);
    return { id, lab: `L${String(i + 1).padStart(3, '0')}`, keyFile };
  });
  const broker = await startMosquitto();
  const pg = await startPostgres({ fsync: true });
  const rows: BenchResult[] = [];
  try {
    const yaml = (name: string, extra: string) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `comparison: { id: BENCH, pilot: ${keys[0]!.lab}, labs: [${keys.map((k) => k.lab).join(', ')}], standards: [ { id: Z1, nominal: 10, reference: { t0: "2026-01-01T00:00:00Z", x0: 10, uX0: 1.0e-7, driftPerDay: 0, uDriftPerDay: 1.0e-9 } } ] }
gateways:
${keys.map((k) => `  - { id: ${k.id}, lab: ${k.lab}, publicKeys: ["${k.keyFile}.pub"] }`).join('\n')}
broker: { url: "${broker.url}", clientId: ${name} }
dataDir: "${join(dir, name)}"
api: { port: 0 }
log: { level: warn }
${extra}
`,
      );
      return file;
    };
    say('one receiver, SQLite…');
    rows.push(...(await runSetup('SQLite, 1 receiver', o, broker.url, [yaml('sqlite', 'store: { sqlite: "" }')], keys)));
    const url = await pg.createDatabase('bench_pilot');
    say('two receivers, shared subscription, PostgreSQL…');
    const shared = (n: string) => yaml(n, `store: { postgres: "${url}" }`).replace(`clientId: ${n} }`, `clientId: ${n}, sharedGroup: pilots }`);
    rows.push(...(await runSetup('PostgreSQL, 2 receivers', o, broker.url, [shared('pg-a'), shared('pg-b')], keys, pg.pid)));
  } finally {
    await broker.close();
    await pg.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchPilot());
}
