/**
 * The peer bench's rounds (bench/peer): `--rounds N` is parsed and checked, every round is printed
 * under its own name, and the goals on ratios are judged on the median of the rounds' ratios.
 */
import { describe, expect, it } from 'vitest';
import { parsePeerOptions } from '../../bench/peer/options.js';
import { benchRows, formatTable, type PeerResults, type WorkloadResult } from '../../bench/peer/report.js';
import type { WindowMeasurement } from '../../bench/peer/measure.js';
import { workload } from '../../bench/peer/workloads.js';

const MiB = 1024 * 1024;

/** A window of 1000 values in 10 s that took `cpuSeconds`. */
function window(cpuSeconds: number, rssMiB = 80): WindowMeasurement {
  return { values: 1000, seconds: 10, cpuSeconds, mainThreadCpuSeconds: cpuSeconds * 0.8, storageWriteBytes: 0, rssMaxBytes: rssMiB * MiB, backlogSeconds: 0, window: { fromMs: 0, toMs: 10_000 } };
}

/** A W2 round whose travelgate used `ratio` times the bare loop's CPU. */
function round(n: number, ratio: number, rssMiB: number): WorkloadResult {
  return {
    workload: workload('W2', 10),
    round: n,
    bare: window(0.05, 80),
    travelgate: {
      window: window(0.05 * ratio, rssMiB),
      audit: { lastSeq: 200, lostInflux: 0, lostMqtt: 0, mqttMalformed: 0, verifyOk: true, verifyLine: 'OK', journalBytes: 100_000, valuesJournaled: 1000 },
      exitCode: 0,
    },
  };
}

function results(rounds: WorkloadResult[]): PeerResults {
  return { workloads: rounds, rounds: rounds.length, idleRss: { settled: 60 * MiB, startPeak: 70 * MiB }, idleSettleSeconds: 20, nodeRssBytes: { plain: 40 * MiB, withOptions: 40 * MiB }, nodeOptions: [] };
}

describe('peer bench rounds', () => {
  it('parses --rounds (and PEER_ROUNDS), one round by default, and refuses what is not a whole number ≥ 1', () => {
    expect(parsePeerOptions([], {}).rounds).toBe(1);
    expect(parsePeerOptions(['--rounds', '3'], {}).rounds).toBe(3);
    expect(parsePeerOptions([], { PEER_ROUNDS: '2' }).rounds).toBe(2);
    expect(parsePeerOptions(['--rounds=4'], { PEER_ROUNDS: '2' }).rounds).toBe(4);
    for (const bad of ['0', '1.5', 'x']) expect(() => parsePeerOptions(['--rounds', bad], {})).toThrow(/--rounds must be a whole number ≥ 1/);
  });

  it('judges the CPU and RSS goals on the median of the rounds, and prints each round with its range', () => {
    // Rounds at 1.2, 1.8 and 1.4 ×: the median 1.4 meets the goal though one round does not.
    const r = results([round(1, 1.2, 79.2), round(2, 1.8, 84), round(3, 1.4, 82.4)]);
    const table = formatTable(r);
    expect(table).toContain('| W2 r1: ');
    expect(table).toContain('| W2 r3: ');
    expect(table).toContain('1.800 ✗ (≤ 1.5)'); // round 2 alone misses
    expect(table).toContain("- W2, median (min–max) of 3 rounds' ratios travelgate ÷ bare: CPU per value 1.400 (1.200–1.800) ✓ (≤ 1.5)");
    expect(table).toMatch(/RSS max 1\.030 \(0\.990–1\.050\) ✗ \(≤ 1\)/);
    expect(table).toContain('- W2 r2 export + verify: OK');

    const rows = benchRows(r);
    expect(rows.find((x) => x.name === 'W2 median of 3 rounds: CPU/value ÷ bare (goal ≤ 1.5)')?.value).toBe(1.4);
    expect(rows.find((x) => x.name === 'W2 r2 CPU/value travelgate ÷ bare (goal ≤ 1.5)')?.value).toBe(1.8);
  });

  it('prints a single round as before: no round names, no median line', () => {
    const table = formatTable(results([round(1, 1.6, 79)]));
    expect(table).toContain('| W2: ');
    expect(table).not.toContain('median');
    expect(benchRows(results([round(1, 1.6, 79)])).some((x) => x.name === 'W2 CPU/value travelgate ÷ bare (goal ≤ 1.5)')).toBe(true);
  });
});
