/**
 * CPU per acquisition through what the gateway does to it after the driver, in one process and
 * without a network: the checks (CheckPipeline), the journal (group commit in batches of 500,
 * synchronous=FULL, hash chain, rows), the InfluxDB sink's encoding at commit and the flow
 * counters. The acquisitions have the peer suite's W1 shape (bench/peer/workloads.ts: one device,
 * five channels); the same run is made with one travelling standard watching three of them, as in
 * the peer suite, and with none, alternating (median of rounds), and the ratio is printed: what a
 * standard's checks add to a value, the checks themselves and the verdicts their records carry.
 * The machine's network and scheduler, which make the peer suite's figures drift, play no part.
 * Run directly: `node --import tsx bench/pipeline.ts` prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseStandard } from '../src/checks/config.js';
import { CheckEngine, CheckPipeline } from '../src/checks/index.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { Acquisition } from '../src/core/types.js';
import { Journal } from '../src/journal/index.js';
import { FlowCounters } from '../src/metrics/flow-counters.js';
import { LineBuilder } from '../src/sinks/influx/lines.js';
import { peerStandard } from './peer/gateway-config.js';
import { CHANNELS } from './peer/workloads.js';
import { round, type BenchResult } from './types.js';

const DEVICE = 'd00';
const ROUNDS = 5;
const PER_ROUND = 20_000;
const WARM = 5_000;
/** Acquisitions handed over before awaiting them: two of the journal's batches of 500, each
 *  committed as it fills (as a device back to back does), so no round waits for the 100 ms timer. */
const IN_FLIGHT = 1000;

/** The peer suite's standard. */
const standard = parseStandard(peerStandard(DEVICE));

/** Values near a lab's air for T, RH and p (a few register steps of variation); the fixed channels as the peer simulator serves them. */
const LAB: Record<string, number> = { temperature: 23, humidity: 45, pressure: 1013.2 };

function acquisition(i: number, t0: number): Acquisition {
  const channels: Acquisition['channels'] = {};
  for (const c of CHANNELS) {
    const value = c.fixed ?? LAB[c.channel]! + ((i * 7919) % 13) * c.scale;
    channels[c.channel] = { quantity: c.quantity, unit: c.unit, value };
  }
  return { device: DEVICE, time: t0 + i, clock: 'yes', channels };
}

interface Pipeline {
  feed(from: number, n: number): Promise<number>;
  close(): Promise<void>;
}

function openPipeline(dir: string, name: string, withStandard: boolean): Pipeline {
  const journal = Journal.open({ path: join(dir, `${name}.sqlite`), gateway: 'bench', lab: 'BENCH', clock: systemClock, commitIntervalMs: 100, log: silentLogger() });
  const lines = new LineBuilder('bench', 'BENCH');
  journal.addEncoder((r) => lines.line(r));
  const counters = new FlowCounters();
  journal.onCommit((batch) => counters.observe(batch.map((r) => r.record)));
  const checks = new CheckPipeline(new CheckEngine(withStandard ? [standard] : []), journal, { clock: systemClock, log: silentLogger() });
  checks.restore();
  const t0 = Date.now();
  return {
    /** CPU µs per acquisition for `n` acquisitions from the `from`-th, all committed. */
    async feed(from, n) {
      const start = process.cpuUsage();
      let pending: Promise<unknown>[] = [];
      for (let i = from; i < from + n; i++) {
        pending.push(checks.acquisition(acquisition(i, t0)));
        if (pending.length === IN_FLIGHT) {
          await Promise.all(pending);
          pending = [];
        }
      }
      await Promise.all(pending);
      const used = process.cpuUsage(start);
      return (used.user + used.system) / n;
    },
    close: () => journal.close(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPipeline(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-pipeline-'));
  try {
    const bare = openPipeline(dir, 'journal', false);
    const full = openPipeline(dir, 'standard', true);
    await bare.feed(0, WARM);
    await full.feed(0, WARM);
    const without: number[] = [];
    const withChecks: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const from = WARM + r * PER_ROUND;
      without.push(await bare.feed(from, PER_ROUND));
      withChecks.push(await full.feed(from, PER_ROUND));
    }
    await bare.close();
    await full.close();
    const a = median(without);
    const b = median(withChecks);
    return [
      { name: 'pipeline CPU per acquisition (5 channels): journal, InfluxDB encoding, counters', value: round(a, 1), unit: 'µs' },
      { name: 'pipeline CPU per acquisition, with a standard checking 3 of its channels', value: round(b, 1), unit: 'µs' },
      { name: 'pipeline with the standard ÷ without', value: round(b / a, 2), unit: '×' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchPipeline());
}
