/**
 * The gateway's CPU time per reading with simulated instruments that answer instantly. The
 * simulators run in their own process (`travelgate simulate`), so the CPU measured here is the
 * gateway's alone: links, drivers, acquisition, journal (group commit, hash chain) and the API.
 * Run directly: `node --import tsx bench/gateway.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { buildGateway } from '../src/gateway.js';
import { registry } from '../src/registry.js';
import { round, type BenchResult } from './types.js';

const DEVICES = 4;
const WARMUP_MS = 1_500;
const MEASURE_MS = 5_000;

function simulatorConfig(): string {
  const sims = Array.from({ length: DEVICES }, (_, i) => `  - { id: sim-${i}, kind: scpi-dmm, listen: { tcp: { port: 0 } }, options: { standard: z1 } }`);
  return `gateway: { id: bench-sim, lab: BENCH }\nlog: { level: warn }\nworld: { standards: [ { id: z1 } ] }\nsimulators:\n${sims.join('\n')}\n`;
}

function gatewayConfig(dataDir: string, ports: number[]): string {
  const links = ports.map((p, i) => `  - { id: l${i}, type: tcp, host: 127.0.0.1, port: ${p} }`);
  const devices = ports.map((_, i) => `  - { id: d${i}, driver: scpi, link: l${i}, interval: 0, options: { drainErrors: true } }`);
  return `gateway: { id: bench, lab: BENCH, dataDir: "${dataDir}" }\napi: { port: 0 }\nlog: { level: warn }\nlinks:\n${links.join('\n')}\ndevices:\n${devices.join('\n')}\n`;
}

export async function benchGateway(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-gw-'));
  writeFileSync(join(dir, 'sim.yaml'), simulatorConfig());
  const sim = spawn(process.execPath, ['bin/travelgate', 'simulate', '--config', join(dir, 'sim.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ports: number[] = [];
    await new Promise<void>((resolve, reject) => {
      sim.once('exit', () => reject(new Error('the simulators exited')));
      createInterface({ input: sim.stdout! }).on('line', (line) => {
        const m = /tcp:\/\/[^:]+:(\d+)/.exec(line);
        if (m) ports.push(Number(m[1]));
        if (ports.length === DEVICES) resolve();
      });
    });
    const parsed = parseConfig(gatewayConfig(join(dir, 'data'), ports), registry, {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const gateway = buildGateway(parsed.config, { registry, log: silentLogger() });
    await gateway.start();
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const count = () => gateway.view.devices().reduce((n, d) => n + d.readings, 0);
    const before = { n: count(), cpu: process.cpuUsage(), t: performance.now() };
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    const cpu = process.cpuUsage(before.cpu);
    const n = count() - before.n;
    const seconds = (performance.now() - before.t) / 1000;
    await gateway.stop();
    const cpuUs = cpu.user + cpu.system;
    return [
      { name: `gateway readings/s (${DEVICES} instant SCPI devices, READ? + SYST:ERR? each)`, value: round(n / seconds, 0), unit: 'readings/s' },
      { name: 'gateway CPU time per reading', value: round(cpuUs / n, 1), unit: 'µs' },
    ];
  } finally {
    sim.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchGateway());
}
