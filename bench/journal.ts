/**
 * Journal write throughput: committed appends per second, on a temporary file. Each append is one
 * acquisition of five channels (`benchAcquisition`), so readings/s is five times appends/s.
 * - single: each append is awaited before the next (one commit, one fsync per acquisition at FULL);
 *   commitIntervalMs 0 so the figure is the commit cost, not the group-commit timer.
 * - batched: 20 000 appends with up to 2 000 in flight, group-committed in batches of 500.
 * Each for synchronous=FULL (the default: survives power loss) and NORMAL (survives a crash).
 * Run directly: `node --import tsx bench/journal.ts` prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Journal } from '../src/journal/index.js';
import { BENCH_CHANNELS, benchAcquisition as acquisition, type BenchResult } from './types.js';

const SINGLE_MAX_APPENDS = 2_000;
const SINGLE_MAX_MS = 2_000;
const BATCHED_APPENDS = 20_000;
const IN_FLIGHT = 2_000;

function openTemp(dir: string, name: string, synchronous: 'FULL' | 'NORMAL', commitIntervalMs: number): Journal {
  return Journal.open({
    path: join(dir, `${name}.sqlite`),
    gateway: 'bench',
    lab: 'BENCH',
    clock: systemClock,
    commitIntervalMs,
    log: silentLogger(),
    synchronous,
  });
}

async function single(dir: string, synchronous: 'FULL' | 'NORMAL'): Promise<BenchResult[]> {
  const j = openTemp(dir, `single-${synchronous}`, synchronous, 0);
  const latencies: number[] = [];
  const start = performance.now();
  let n = 0;
  while (n < SINGLE_MAX_APPENDS && performance.now() - start < SINGLE_MAX_MS) {
    const t0 = performance.now();
    await j.appendAcquisition(acquisition(n++));
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  await j.close();
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return [
    { name: `journal append single, synchronous=${synchronous}`, value: round(n / seconds), unit: 'appends/s' },
    { name: `journal append single p50 latency, synchronous=${synchronous}`, value: round(p(0.5), 3), unit: 'ms' },
    { name: `journal append single p99 latency, synchronous=${synchronous}`, value: round(p(0.99), 3), unit: 'ms' },
  ];
}

async function batched(dir: string, synchronous: 'FULL' | 'NORMAL'): Promise<BenchResult[]> {
  const j = openTemp(dir, `batched-${synchronous}`, synchronous, 10);
  const start = performance.now();
  for (let done = 0; done < BATCHED_APPENDS; done += IN_FLIGHT) {
    const window = Array.from({ length: Math.min(IN_FLIGHT, BATCHED_APPENDS - done) }, (_, i) => j.appendAcquisition(acquisition(done + i)));
    await Promise.all(window);
  }
  const seconds = (performance.now() - start) / 1000;
  const batches = j.commitStats.batches;
  await j.close();
  return [
    { name: `journal append batched, synchronous=${synchronous}`, value: round(BATCHED_APPENDS / seconds), unit: 'appends/s' },
    { name: `journal readings batched (${BENCH_CHANNELS} per acquisition), synchronous=${synchronous}`, value: round((BATCHED_APPENDS * BENCH_CHANNELS) / seconds), unit: 'readings/s' },
    { name: `journal batched mean batch size, synchronous=${synchronous}`, value: round(BATCHED_APPENDS / batches), unit: 'records' },
  ];
}

function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export async function benchJournal(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-journal-'));
  try {
    const results: BenchResult[] = [];
    for (const mode of ['FULL', 'NORMAL'] as const) {
      results.push(...(await single(dir, mode)), ...(await batched(dir, mode)));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchJournal());
}
