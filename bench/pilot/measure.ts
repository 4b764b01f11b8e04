/**
 * One setup of the pilot benchmark: the record generators publish for a warm-up and a measured
 * window while the consumers (receivers, or the bare baseline subscriber) report what they verified;
 * then the consumers drain and stop. The rows of the table come from what they reported:
 * - throughput: records (acquisitions and seals) verified within the window, per second;
 * - lag publish→verified (p50, p99): from the publish of the message that held an acquisition to
 *   the commit of the store transaction that moved verifiedThrough over it. It includes the wait
 *   for the seal that covers the record (the generators seal every `sealMs`);
 * - lag seal→verified (p99): from the publish of that covering seal instead: the receiver's own part;
 * - CPU per 1000 records: the consumers' CPU time over the window (and PostgreSQL's server
 *   processes, separately, when a pid is given).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { round, type BenchResult } from '../types.js';

export interface Setup {
  label: string;
  /** Started consumers: each sends 'ready', `{ items: [gateway, from, to, t][] }` and `{ cpu }` on 'cpu'. */
  consumers: ChildProcess[];
  /** What a consumer's items mean ('verified', or 'parsed' for the baseline). */
  verb: string;
  pgPid?: number;
}

export interface Load {
  gateways: { id: string; lab: string; keyFile: string }[];
  rate: number;
  seconds: number;
  warmupSeconds: number;
  sealMs: number;
  broker: string;
  /** Forks the generator process. */
  generator: () => ChildProcess;
}

export const message = (c: ChildProcess, want: (m: unknown) => boolean): Promise<unknown> =>
  new Promise((resolve) => {
    const on = (m: unknown) => {
      if (!want(m)) return;
      c.off('message', on);
      resolve(m);
    };
    c.on('message', on);
  });

const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

/** CPU seconds of a process and its direct children (PostgreSQL's backends are children of the postmaster). */
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

/** Per gateway: publish time of every seq, and the seqs of its seals in order. */
class Published {
  readonly at = new Map<number, number>();
  readonly seals: number[] = [];

  /** Publish time of the first seal at or after `seq` (the one that covers it). */
  sealAfter(seq: number): number | undefined {
    let lo = 0;
    let hi = this.seals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seals[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    const s = this.seals[lo];
    return s === undefined ? undefined : this.at.get(s);
  }
}

export async function runSetup(setup: Setup, load: Load): Promise<BenchResult[]> {
  const { consumers } = setup;
  await Promise.all(consumers.map((c) => message(c, (m) => m === 'ready')));
  const index = new Map(load.gateways.map((g, i) => [g.id, i]));
  const published = load.gateways.map(() => new Published());
  const open = load.gateways.map(() => new Set<number>()); // acquisitions published in the window, not yet verified
  const lags: number[] = [];
  const sealLags: number[] = [];
  let counted = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  for (const c of consumers) {
    c.on('message', (m: { items?: [string, number, number, number][] }) => {
      for (const [g, from, to, t] of m.items ?? []) {
        const i = index.get(g)!;
        if (t >= windowStart && t <= windowEnd) counted += to - from + 1;
        for (let s = from; s <= to; s++) {
          const p = published[i]!.at.get(s);
          if (p === undefined || p < windowStart || p > windowEnd || !open[i]!.delete(s)) continue;
          lags.push(t - p);
          const sealAt = published[i]!.sealAfter(s);
          if (sealAt !== undefined) sealLags.push(t - sealAt);
        }
      }
    });
  }
  const gen = load.generator();
  gen.on('message', (m: { t?: number; items?: [number, number, number, number][] }) => {
    if (m.t === undefined) return;
    const inWindow = m.t >= windowStart && m.t <= windowEnd;
    for (const [i, from, to, seal] of m.items ?? []) {
      for (let s = from; s <= to; s++) {
        published[i]!.at.set(s, m.t);
        if (inWindow && s !== seal) open[i]!.add(s);
      }
      if (seal > 0) published[i]!.seals.push(seal);
    }
  });
  gen.send({ url: load.broker, gateways: load.gateways, ratePerSecond: load.rate, sealMs: load.sealMs, tickMs: 100 });
  await new Promise((r) => setTimeout(r, load.warmupSeconds * 1000));
  const cpu = async () => {
    const each = await Promise.all(
      consumers.map(async (c) => {
        const reply = message(c, (m) => typeof (m as { cpu?: unknown }).cpu === 'number');
        c.send('cpu');
        return ((await reply) as { cpu: number }).cpu;
      }),
    );
    return each.reduce((a, b) => a + b, 0);
  };
  const cpu0 = await cpu();
  const pg0 = setup.pgPid ? treeCpuSeconds(setup.pgPid) : 0;
  windowStart = Date.now();
  windowEnd = windowStart + load.seconds * 1000;
  await new Promise((r) => setTimeout(r, load.seconds * 1000));
  const cpu1 = await cpu();
  const pg1 = setup.pgPid ? treeCpuSeconds(setup.pgPid) : 0;
  gen.send('stop');
  await message(gen, (m) => m === 'stopped');
  if (gen.exitCode === null) await new Promise((res) => gen.once('exit', res));
  // Let the consumers drain what is in flight, so that the lag of the window's last records counts.
  const drainUntil = Date.now() + 30_000;
  while (Date.now() < drainUntil && open.some((s) => s.size > 0)) await new Promise((r) => setTimeout(r, 200));
  for (const c of consumers) c.send('stop');
  await Promise.all(consumers.map((c) => new Promise((res) => (c.exitCode !== null ? res(null) : c.once('exit', res)))));
  const left = open.reduce((n, s) => n + s.size, 0);
  lags.sort((a, b) => a - b);
  sealLags.sort((a, b) => a - b);
  const perThousand = (s: number) => (counted > 0 ? round((s * 1e6) / counted, 1) : Number.NaN);
  const n = consumers.length;
  const label = setup.label;
  const rows: BenchResult[] = [
    { name: `${label}: ${setup.verb}`, value: round(counted / load.seconds, 0), unit: `records/s (offered ${load.gateways.length} × ${load.rate}/s + a seal every ${load.sealMs} ms each)` },
    { name: `${label}: lag p50 publish→${setup.verb}`, value: round(percentile(lags, 50), 0), unit: 'ms' },
    { name: `${label}: lag p99 publish→${setup.verb}`, value: round(percentile(lags, 99), 0), unit: 'ms' },
  ];
  if (setup.verb === 'verified') rows.push({ name: `${label}: lag p99 covering seal→verified`, value: round(percentile(sealLags, 99), 0), unit: "ms (the receiver's own part)" });
  rows.push({ name: `${label}: CPU`, value: perThousand(cpu1 - cpu0), unit: `ms per 1000 records (${n} process${n > 1 ? 'es' : ''})` });
  if (setup.pgPid) rows.push({ name: `${label}: PostgreSQL server CPU`, value: perThousand(pg1 - pg0), unit: 'ms per 1000 records' });
  rows.push({ name: `${label}: not ${setup.verb} 30 s after the run`, value: left, unit: 'acquisitions published in the window' });
  return rows;
}
