/**
 * Journal write throughput: committed appends per second, on a temporary file. Each append is one
 * acquisition of five channels (`benchAcquisition`), so readings/s is five times appends/s.
 * - single: each append is awaited before the next (one commit, one fsync per acquisition at FULL);
 *   commitIntervalMs 0 so the figure is the commit cost, not the group-commit timer.
 * - batched: 20 000 appends with up to 2 000 in flight, group-committed in batches of 500.
 * Each for synchronous=FULL (the default: survives power loss) and NORMAL (survives a crash).
 * - ten devices: one acquisition from each of ten devices per commit (the peer suite's W2 with
 *   100 ms commits; at the default 500 ms each device gives five, to the same pages), after
 *   5 000 slots: CPU and bytes written (WAL and checkpoints) per commit, for the journal as it is
 *   (16 KiB pages) and for the same journal in a file made with 4 KiB pages (the alternative
 *   tried; README "What a value costs": a third of the bytes, a fifth of W1's rate).
 * Run directly: `node --import tsx bench/journal.ts` prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Journal } from '../src/journal/index.js';
import { ioCounter } from './peer/proc-stats.js';
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

const DEVICES = 10;
const FILL_SLOTS = 5_000;
const MEASURED_SLOTS = 1_500;

/** Slot `i` of ten devices, each one acquisition, committed together. */
async function tenDeviceSlot(j: Journal, i: number): Promise<void> {
  const appended = [];
  for (let d = 0; d < DEVICES; d++) appended.push(j.appendAcquisition({ ...acquisition(i), device: `d${d}` }));
  await j.flush();
  await Promise.all(appended);
}

async function tenDevices(dir: string, pageSize: number | undefined): Promise<{ cpuUs: number; writtenBytes: number }> {
  const path = join(dir, `ten-devices-${pageSize ?? 'default'}.sqlite`);
  if (pageSize !== undefined) {
    // A page size sticks once the file has a table; the journal then adds its own tables to it.
    const db = new Database(path);
    db.pragma(`page_size = ${pageSize}`);
    db.exec('CREATE TABLE page_size_holder (x)');
    db.close();
  }
  const j = Journal.open({ path, gateway: 'bench', lab: 'BENCH', clock: systemClock, commitIntervalMs: 100, log: silentLogger() });
  const reader = new Database(path, { readonly: true });
  const actual = reader.pragma('page_size', { simple: true });
  reader.close();
  if (pageSize !== undefined && actual !== pageSize) throw new Error(`bench journal: the comparison file has ${String(actual)}-byte pages, not ${pageSize}`);
  for (let i = 0; i < FILL_SLOTS; i++) await tenDeviceSlot(j, i);
  const written = ioCounter('self', 'wchar'); // every write and pwrite: the WAL's and the checkpoints'
  const cpu = process.cpuUsage();
  for (let i = 0; i < MEASURED_SLOTS; i++) await tenDeviceSlot(j, FILL_SLOTS + i);
  const used = process.cpuUsage(cpu);
  const writtenBytes = (ioCounter('self', 'wchar') - written) / MEASURED_SLOTS;
  await j.close();
  return { cpuUs: (used.user + used.system) / MEASURED_SLOTS, writtenBytes };
}

async function tenDeviceCommits(dir: string): Promise<BenchResult[]> {
  // The alternative first, so that the journal as it is runs with V8 warmed up: no bias for it.
  const small = await tenDevices(dir, 4_096);
  const now = await tenDevices(dir, undefined);
  return [
    { name: `journal, ${DEVICES} devices per commit: CPU per commit`, value: round(now.cpuUs), unit: 'µs' },
    { name: `journal, ${DEVICES} devices per commit: written per commit (WAL, checkpoints)`, value: round(now.writtenBytes / 1024, 1), unit: 'KiB' },
    { name: `journal, ${DEVICES} devices per commit, 4 KiB pages: CPU ÷ the journal's`, value: round(small.cpuUs / now.cpuUs, 2), unit: '×' },
    { name: `journal, ${DEVICES} devices per commit, 4 KiB pages: written ÷ the journal's`, value: round(small.writtenBytes / now.writtenBytes, 2), unit: '×' },
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
    results.push(...(await tenDeviceCommits(dir)));
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchJournal());
}
