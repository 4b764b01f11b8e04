/**
 * One peer's measuring window, taken identically for the bare loop and for the gateway.
 *
 * Contract:
 * - The process is *ready* when its first channel value is in InfluxDB; the window starts
 *   `warmupSeconds` later and lasts the workload's window. RSS is sampled every second from the
 *   call (right after the spawn) to the window's end; CPU is /proc utime+stime at both ends, and
 *   the bytes written to storage /proc/PID/io's write_bytes at both ends. The main thread's share
 *   of that CPU is read the same way from /proc/PID/task/PID/stat.
 * - `values` are the channel values whose time stamps lie in the window, counted once InfluxDB's
 *   count for the window stopped growing (both peers flush at least every second), while the
 *   process still runs: what the process acquired in the window and delivered.
 * - `backlogSeconds`: how far behind the window's end InfluxDB was when the window closed (values
 *   of the window not yet there, over the rate). About the flush interval for a peer that keeps
 *   up; growing with the window for one that does not (then its CPU in the window paid for less
 *   than it acquired, and its values/s overstates what it sustains).
 */
import type { InfluxServer } from '../../test/helpers/servers/influxdb.js';
import { waitFor } from '../../test/helpers/gateway-process.js';
import { countValues, settledCount } from './influx-counts.js';
import type { NodeProcess } from './node-process.js';
import { cpuSeconds, ioCounter, mainThreadCpuSeconds, RssSampler } from './proc-stats.js';

export interface WindowMeasurement {
  /** Channel values delivered with a time stamp in the window. */
  values: number;
  seconds: number;
  cpuSeconds: number;
  /** Of `cpuSeconds`, what the main thread used; the rest went to helper threads (proc-stats.ts). */
  mainThreadCpuSeconds: number;
  /** Bytes the process wrote to storage in the window (for the gateway: its journal's WAL and checkpoints). */
  storageWriteBytes: number;
  rssMaxBytes: number;
  backlogSeconds: number;
  window: { fromMs: number; toMs: number };
}

const READY_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `db` holds a first channel value; rejects early if the process exits. */
export async function waitUntilDelivering(p: NodeProcess, influx: InfluxServer, db: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  await waitFor(
    `${p.name}'s first value in InfluxDB`,
    async () => {
      if (!p.running()) throw new Error(`exited before delivering: ${p.describe()}`);
      return (await countValues(influx, db)) > 0 ? true : undefined;
    },
    timeoutMs,
    200,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${p.describe()}`);
  });
}

export async function measureWindow(p: NodeProcess, influx: InfluxServer, db: string, warmupSeconds: number, windowSeconds: number): Promise<WindowMeasurement> {
  const rss = new RssSampler(p.pid);
  try {
    await waitUntilDelivering(p, influx, db);
    await sleep(warmupSeconds * 1000);
    const fromMs = Date.now();
    const cpuAtStart = cpuSeconds(p.pid);
    const mainAtStart = mainThreadCpuSeconds(p.pid);
    const writtenAtStart = ioCounter(p.pid, 'write_bytes');
    await sleep(windowSeconds * 1000);
    const cpuAtEnd = cpuSeconds(p.pid);
    const mainAtEnd = mainThreadCpuSeconds(p.pid);
    const writtenAtEnd = ioCounter(p.pid, 'write_bytes');
    const toMs = Date.now();
    const rssMaxBytes = rss.stop();
    if (!p.running()) throw new Error(`exited during the window: ${p.describe()}`);
    const window = { fromMs, toMs };
    const atEnd = await countValues(influx, db, window);
    const values = await settledCount(() => countValues(influx, db, window));
    const seconds = (toMs - fromMs) / 1000;
    const rate = values / seconds;
    return { values, seconds, cpuSeconds: cpuAtEnd - cpuAtStart, mainThreadCpuSeconds: mainAtEnd - mainAtStart, storageWriteBytes: writtenAtEnd - writtenAtStart, rssMaxBytes, backlogSeconds: rate > 0 ? (values - atEnd) / rate : 0, window };
  } finally {
    rss.stop();
  }
}
