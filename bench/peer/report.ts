/**
 * The peer suite's results: rows for bench/index.ts, and one Markdown table (plus a list of
 * gateway-only figures) with the issue's goals beside the numbers.
 *
 * Definitions: values/s = channel values delivered with a time stamp in the window / window
 * seconds; CPU-s per 1000 values = process CPU seconds in the window · 1000 / those values; ratios
 * are travelgate / bare loop on the same workload. With several rounds (--rounds) every round is
 * printed, and the goals on ratios are judged on the median of the rounds' ratios (min–max beside).
 */
import { round, type BenchResult } from '../types.js';
import type { WindowMeasurement } from './measure.js';
import { MiB } from './proc-stats.js';
import type { IdleRss, TravelgateRun } from './peers.js';
import type { Workload } from './workloads.js';

export interface WorkloadResult {
  workload: Workload;
  /** 1-based; each round is its own pair of runs. */
  round: number;
  bare: WindowMeasurement;
  travelgate: TravelgateRun;
}

export interface PeerResults {
  /** Every round of every workload, in the order they ran. */
  workloads: WorkloadResult[];
  rounds: number;
  idleRss: IdleRss;
  /** Seconds after the idle gateway's first record at which `idleRss.settled` was read. */
  idleSettleSeconds: number;
  /** Idle Node processes for scale: plain, and with the gateway's deployed Node options. */
  nodeRssBytes: { plain: number; withOptions: number };
  nodeOptions: string[];
}

export const GOALS = {
  cpuPerValueRatio: 1.5,
  w1RateRatio: 0.5,
  idleRssMiB: 70,
  journalBytesPerValue: 120,
} as const;

const rate = (m: WindowMeasurement) => m.values / m.seconds;
const writeRate = (m: WindowMeasurement) => m.storageWriteBytes / m.seconds;
const writtenPerValue = (m: WindowMeasurement) => (m.values > 0 ? m.storageWriteBytes / m.values : NaN);
const per1000Values = (m: WindowMeasurement, cpuSeconds: number) => (m.values > 0 ? (cpuSeconds * 1000) / m.values : NaN);
const helperCpuSeconds = (m: WindowMeasurement) => m.cpuSeconds - m.mainThreadCpuSeconds;
const cpuPer1000 = (m: WindowMeasurement) => per1000Values(m, m.cpuSeconds);
const helperCpuPer1000 = (m: WindowMeasurement) => per1000Values(m, helperCpuSeconds(m));
const helperShare = (m: WindowMeasurement) => (m.cpuSeconds > 0 ? helperCpuSeconds(m) / m.cpuSeconds : NaN);
const mib = (bytes: number) => bytes / MiB;
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

function ratios(r: WorkloadResult) {
  const tg = r.travelgate.window;
  return { cpu: cpuPer1000(tg) / cpuPer1000(r.bare), rate: rate(tg) / rate(r.bare), rss: tg.rssMaxBytes / r.bare.rssMaxBytes };
}

/** W1's rate goal beside its ratio (W2's rate is fixed by its devices: no goal). */
const rateGoal = (workload: string, ratio: number) => (workload === 'W1' ? ` ${mark(ratio >= GOALS.w1RateRatio)} (≥ ${GOALS.w1RateRatio})` : '');

/** `W2`, or `W2 r2` when the run has several rounds. */
const label = (r: WorkloadResult, rounds: number) => (rounds > 1 ? `${r.workload.name} r${r.round}` : r.workload.name);

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Per workload, the median, smallest and largest of its rounds' ratios. */
function roundSummaries(results: PeerResults) {
  return [...new Set(results.workloads.map((r) => r.workload.name))].map((name) => {
    const all = results.workloads.filter((r) => r.workload.name === name).map(ratios);
    const spread = (key: keyof ReturnType<typeof ratios>) => {
      const v = all.map((q) => q[key]);
      return { median: median(v), min: Math.min(...v), max: Math.max(...v) };
    };
    return { name, rounds: all.length, cpu: spread('cpu'), rate: spread('rate'), rss: spread('rss') };
  });
}

export function journalBytesPerValue(run: TravelgateRun): number {
  return run.audit.valuesJournaled > 0 ? run.audit.journalBytes / run.audit.valuesJournaled : NaN;
}

export function formatTable(results: PeerResults): string {
  const lines = [
    '| workload | peer | values/s | CPU-s per 1000 values | RSS max MiB | ratio CPU/value vs bare | rate vs bare | backlog at window end s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results.workloads) {
    const w = r.workload;
    const q = ratios(r);
    for (const [peer, m] of [['bare loop', r.bare], ['travelgate', r.travelgate.window]] as const) {
      const isTg = peer === 'travelgate';
      lines.push(
        `| ${label(r, results.rounds)}: ${w.description} | ${peer} | ${fmt(rate(m), 1)} | ${fmt(cpuPer1000(m), 4)} | ${fmt(mib(m.rssMaxBytes), 1)}` +
          `${isTg ? ` ${mark(q.rss <= 1)} (≤ bare)` : ''} | ${isTg ? `${fmt(q.cpu, 3)} ${mark(q.cpu <= GOALS.cpuPerValueRatio)} (≤ ${GOALS.cpuPerValueRatio})` : '1'}` +
          ` | ${isTg ? `${fmt(q.rate, 3)}${rateGoal(w.name, q.rate)}` : '1'} | ${fmt(m.backlogSeconds, 1)} |`,
      );
    }
  }
  const idle = mib(results.idleRss.settled);
  lines.push(
    '',
    `- gateway idle RSS (no devices, ${results.idleSettleSeconds} s after its first record): ${fmt(idle, 1)} MiB ${mark(idle <= GOALS.idleRssMiB)} (≤ ${GOALS.idleRssMiB}), ` +
      `start-up peak ${fmt(mib(results.idleRss.startPeak), 1)} MiB; ` +
      `for scale, an idle Node process: ${fmt(mib(results.nodeRssBytes.plain), 1)} MiB, with the gateway's Node options (${results.nodeOptions.join(' ') || 'none'}): ${fmt(mib(results.nodeRssBytes.withOptions), 1)} MiB`,
  );
  if (results.rounds > 1) {
    const range = (s: { median: number; min: number; max: number }) => `${fmt(s.median, 3)} (${fmt(s.min, 3)}–${fmt(s.max, 3)})`;
    for (const s of roundSummaries(results)) {
      lines.push(
        `- ${s.name}, median (min–max) of ${s.rounds} rounds' ratios travelgate ÷ bare: CPU per value ${range(s.cpu)} ${mark(s.cpu.median <= GOALS.cpuPerValueRatio)} (≤ ${GOALS.cpuPerValueRatio}), ` +
          `rate ${range(s.rate)}${rateGoal(s.name, s.rate.median)}, RSS max ${range(s.rss)} ${mark(s.rss.median <= 1)} (≤ 1)`,
      );
    }
  }
  for (const r of results.workloads) {
    const a = r.travelgate.audit;
    const bpv = journalBytesPerValue(r.travelgate);
    const goal = r.workload.name === 'W2' ? ` ${mark(bpv <= GOALS.journalBytesPerValue)} (≤ ${GOALS.journalBytesPerValue})` : '';
    const name = label(r, results.rounds);
    lines.push(
      `- ${name} journal: ${fmt(a.journalBytes / MiB, 1)} MiB for ${a.valuesJournaled} values = ${fmt(bpv, 1)} B/value${goal}`,
      `- ${name} CPU on helper threads (V8's concurrent marking and optimizing compiler, libuv's pool), per 1000 values: ` +
        `travelgate ${fmt(helperCpuPer1000(r.travelgate.window), 4)} CPU-s (${fmt(100 * helperShare(r.travelgate.window), 0)} % of its CPU), ` +
        `bare loop ${fmt(helperCpuPer1000(r.bare), 4)} (${fmt(100 * helperShare(r.bare), 0)} %)`,
      `- ${name} written to storage in the window: travelgate ${fmt(writeRate(r.travelgate.window) / 1e6, 2)} MB/s = ${fmt(writtenPerValue(r.travelgate.window), 0)} B/value ` +
        `(its journal's WAL and checkpoints; bare loop ${fmt(writeRate(r.bare) / 1e6, 2)} MB/s)`,
      `- ${name} lost seqs (of 1..${a.lastSeq}): InfluxDB ${a.lostInflux}, MQTT ${a.lostMqtt} ${mark(a.lostInflux === 0 && a.lostMqtt === 0)}` +
        `${a.mqttMalformed > 0 ? ` (${a.mqttMalformed} MQTT payloads without a seq)` : ''}; stop exit code ${r.travelgate.exitCode}`,
      `- ${name} export + verify: ${a.verifyOk ? 'OK' : 'FAILED'} ${mark(a.verifyOk)}: ${a.verifyLine}`,
    );
  }
  return lines.join('\n');
}

export function benchRows(results: PeerResults): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const r of results.workloads) {
    const w = label(r, results.rounds);
    for (const [peer, m] of [['bare', r.bare], ['travelgate', r.travelgate.window]] as const) {
      rows.push(
        { name: `${w} ${peer}: values/s`, value: round(rate(m), 1), unit: 'values/s' },
        { name: `${w} ${peer}: CPU per 1000 values`, value: round(cpuPer1000(m), 4), unit: 'CPU-s' },
        { name: `${w} ${peer}: of which helper threads`, value: round(helperCpuPer1000(m), 4), unit: 'CPU-s' },
        { name: `${w} ${peer}: RSS max`, value: round(mib(m.rssMaxBytes), 1), unit: 'MiB' },
      );
    }
    const q = ratios(r);
    const a = r.travelgate.audit;
    rows.push(
      { name: `${w} CPU/value travelgate ÷ bare (goal ≤ ${GOALS.cpuPerValueRatio})`, value: round(q.cpu, 3), unit: '×' },
      { name: `${w} rate travelgate ÷ bare${r.workload.name === 'W1' ? ` (goal ≥ ${GOALS.w1RateRatio})` : ''}`, value: round(q.rate, 3), unit: '×' },
      { name: `${w} RSS max travelgate ÷ bare (goal ≤ 1)`, value: round(q.rss, 2), unit: '×' },
      { name: `${w} journal per value${r.workload.name === 'W2' ? ` (goal ≤ ${GOALS.journalBytesPerValue})` : ''}`, value: round(journalBytesPerValue(r.travelgate), 1), unit: 'B' },
      { name: `${w} travelgate: written to storage per value`, value: round(writtenPerValue(r.travelgate.window), 0), unit: 'B' },
      { name: `${w} lost seqs InfluxDB`, value: a.lostInflux, unit: 'records' },
      { name: `${w} lost seqs MQTT`, value: a.lostMqtt, unit: 'records' },
      { name: `${w} export verifies`, value: a.verifyOk ? 1 : 0, unit: '1 = OK' },
    );
  }
  if (results.rounds > 1) {
    for (const s of roundSummaries(results)) {
      rows.push(
        { name: `${s.name} median of ${s.rounds} rounds: CPU/value ÷ bare (goal ≤ ${GOALS.cpuPerValueRatio})`, value: round(s.cpu.median, 3), unit: '×' },
        { name: `${s.name} median of ${s.rounds} rounds: rate ÷ bare${s.name === 'W1' ? ` (goal ≥ ${GOALS.w1RateRatio})` : ''}`, value: round(s.rate.median, 3), unit: '×' },
        { name: `${s.name} median of ${s.rounds} rounds: RSS max ÷ bare (goal ≤ 1)`, value: round(s.rss.median, 2), unit: '×' },
      );
    }
  }
  rows.push({ name: `gateway idle RSS (goal ≤ ${GOALS.idleRssMiB})`, value: round(mib(results.idleRss.settled), 1), unit: 'MiB' });
  rows.push({ name: 'gateway idle: start-up peak RSS', value: round(mib(results.idleRss.startPeak), 1), unit: 'MiB' });
  return rows;
}
