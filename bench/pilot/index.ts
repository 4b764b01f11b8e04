/**
 * `npm run bench -- pilot [--gateways N] [--rate R] [--seconds S] [--setups baseline,sqlite,postgres]
 * [--cpu-prof DIR]`: the pilot's receiver under N light record generators at R records/s each
 * (generator.ts: real keys, real seals every 250 ms), through a real mosquitto, in three setups:
 * - baseline: a bare MQTT subscriber that only JSON.parses (baseline.ts), the floor to compare with;
 * - one receiver on SQLite;
 * - two receivers on a shared subscription ($share/pilots/...) with one real PostgreSQL (fsync on).
 * Each setup: a 5 s warm-up, then S seconds measured (measure.ts). `--cpu-prof DIR` writes a V8 CPU
 * profile of every receiver into DIR. Opt-in (a minute or two): bench/index.ts runs it only when
 * named. Goal (issue 15): 200 gateways × 10 records/s verified with lag p99 ≤ 1 s on a 2-core machine.
 * Run directly: `node --import tsx bench/pilot/index.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeKeyPair } from '../../src/integrity/seal.js';
import { startMosquitto } from '../../test/helpers/servers/mosquitto.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/servers/postgresql.js';
import type { BenchResult } from '../types.js';
import { runSetup, type Load } from './measure.js';

const say = (text: string) => process.stderr.write(`bench pilot: ${text}\n`);
const HERE = new URL('.', import.meta.url).pathname;
const SETUPS = ['baseline', 'sqlite', 'postgres'] as const;

interface Options {
  gateways: number;
  rate: number;
  seconds: number;
  setups: string[];
  cpuProf: string | undefined;
}

function options(argv: readonly string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const setups = (value('setups') ?? SETUPS.join(',')).split(',').filter((s) => (SETUPS as readonly string[]).includes(s));
  const prof = value('cpu-prof');
  return { gateways: Number(value('gateways') ?? 200), rate: Number(value('rate') ?? 10), seconds: Number(value('seconds') ?? 20), setups, cpuProf: prof ? resolve(prof) : undefined };
}

function child(script: string, args: string[], cpuProf?: string): ChildProcess {
  const execArgv = ['--import', 'tsx', ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [])];
  return fork(join(HERE, script), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function pilotYaml(dir: string, name: string, keys: Load['gateways'], broker: string, store: string, sharedGroup?: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `comparison: { id: BENCH, pilot: ${keys[0]!.lab}, labs: [${keys.map((k) => k.lab).join(', ')}], standards: [ { id: Z1, nominal: 10, reference: { t0: "2026-01-01T00:00:00Z", x0: 10, uX0: 1.0e-7, driftPerDay: 0, uDriftPerDay: 1.0e-9 } } ] }
gateways:
${keys.map((k) => `  - { id: ${k.id}, lab: ${k.lab}, publicKeys: ["${k.keyFile}.pub"] }`).join('\n')}
broker: { url: "${broker}", clientId: ${name}${sharedGroup ? `, sharedGroup: ${sharedGroup}` : ''} }
store: ${store}
dataDir: "${join(dir, name)}"
api: { port: 0 }
log: { level: warn }
`,
  );
  return file;
}

export async function benchPilot(argv: readonly string[] = process.argv.slice(2)): Promise<BenchResult[]> {
  const o = options(argv);
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-pilot-'));
  say(`${o.gateways} gateways × ${o.rate} records/s, ${o.seconds} s after a 5 s warm-up (${o.setups.join(', ')}); keys…`);
  const keys = Array.from({ length: o.gateways }, (_, i) => {
    const id = `gw-${String(i + 1).padStart(3, '0')}`;
    const keyFile = join(dir, 'keys', `${id}.key`);
    writeKeyPair(keyFile);
    return { id, lab: `L${String(i + 1).padStart(3, '0')}`, keyFile };
  });
  const broker = await startMosquitto();
  let pg: PostgresServer | undefined;
  const load: Load = { gateways: keys, rate: o.rate, seconds: o.seconds, warmupSeconds: 5, sealMs: 250, broker: broker.url, generator: () => child('generator.ts', []) };
  const rows: BenchResult[] = [{ name: 'offered', value: o.gateways * o.rate, unit: `records/s (${o.gateways} gateways × ${o.rate}/s; plus a seal every 250 ms each)` }];
  try {
    if (o.setups.includes('baseline')) {
      say('baseline: a bare subscriber that only parses…');
      rows.push(...(await runSetup({ label: 'baseline (JSON.parse only)', verb: 'parsed', consumers: [child('baseline.ts', [broker.url, 'travelgate/BENCH/+/records'])] }, load)));
    }
    if (o.setups.includes('sqlite')) {
      say('one receiver, SQLite…');
      const file = pilotYaml(dir, 'sqlite', keys, broker.url, '{ sqlite: "" }');
      rows.push(...(await runSetup({ label: 'SQLite, 1 receiver', verb: 'verified', consumers: [child('receiver.ts', [file], o.cpuProf)] }, load)));
    }
    if (o.setups.includes('postgres')) {
      say('two receivers, shared subscription, PostgreSQL…');
      pg = await startPostgres({ fsync: true });
      const url = await pg.createDatabase('bench_pilot');
      const files = ['pg-a', 'pg-b'].map((n) => pilotYaml(dir, n, keys, broker.url, `{ postgres: "${url}" }`, 'pilots'));
      const consumers = files.map((f) => child('receiver.ts', [f], o.cpuProf));
      rows.push(...(await runSetup({ label: 'PostgreSQL, 2 receivers', verb: 'verified', consumers, ...(pg.pid ? { pgPid: pg.pid } : {}) }, load)));
    }
  } finally {
    await broker.close();
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const parsed = rows.find((r) => r.name.startsWith('baseline') && r.unit === 'ms per 1000 records (1 process)');
  if (parsed && parsed.value > 0) {
    for (const r of [...rows]) {
      if (r.name.endsWith(': CPU') && !r.name.startsWith('baseline')) rows.push({ name: `${r.name.slice(0, -5)}: CPU / baseline CPU`, value: Math.round((r.value / parsed.value) * 10) / 10, unit: '× (per record)' });
    }
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchPilot());
}
