/**
 * Modbus benchmarks, against the project's simulator in this process:
 * - achieved polling rate of a device polled back to back, against the ideal 1/(d + round trip)
 *   for a simulator that answers after a fixed delay d (round trip measured with d = 0);
 * - on one RS-485 bus (pty) with three units, one dead: the rate the two live units keep, with
 *   the circuit breaker and without it;
 * - CPU time per Modbus read (process.cpuUsage; driver, link and simulator share this process).
 * Run with `npm run bench modbus` or directly: `node --import tsx bench/modbus.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { createLink } from '../src/links/create.js';
import { modbusRtuLinkConfig, modbusTcpLinkConfig } from '../src/links/modbus/config.js';
import type { RegisterLink } from '../src/links/types.js';
import { modbusDriver } from '../drivers/modbus/index.js';
import { modbusSimulator, type ModbusSimulator } from '../simulators/modbus/index.js';
import { World, worldConfig } from '../simulators/physics/world.js';
import { round, type BenchResult } from './types.js';

type Transport = 'rtu' | 'tcp';

const RESPONSE_DELAY_MS = 20;
const RUN_MS = 2000;

async function withBus<T>(
  units: number[],
  transport: Transport,
  options: { responseDelay?: number; breaker?: { failures: number; probeInterval: number } },
  fn: (link: RegisterLink, sim: ModbusSimulator) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-modbus-'));
  const sim = modbusSimulator.create(
    modbusSimulator.config.parse({ units: units.map((unit) => ({ unit, profile: 'vaisala-hmt330' })), responseDelay: options.responseDelay ?? 0 }),
    {
      world: new World(worldConfig.parse({})),
      clock: systemClock,
      log: silentLogger(),
      listen: transport === 'tcp' ? { tcp: { host: '127.0.0.1', port: 0 } } : { serial: { path: join(dir, 'bus') } },
    },
  ) as ModbusSimulator;
  const endpoint = await sim.start();
  const extra = { breaker: options.breaker ?? { failures: 3, probeInterval: 10_000 } };
  const cfg =
    transport === 'tcp'
      ? modbusTcpLinkConfig.parse({ id: 'bench', type: 'modbus-tcp', host: '127.0.0.1', port: endpoint.tcp!.port, ...extra })
      : modbusRtuLinkConfig.parse({ id: 'bench', type: 'modbus-rtu', path: endpoint.serialPath, ...extra });
  const link = createLink(cfg, { clock: systemClock, log: silentLogger() }) as RegisterLink;
  link.start();
  try {
    await link.waitConnected(5000);
    return await fn(link, sim);
  } finally {
    await link.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function device(link: RegisterLink, unit: number, timeoutMs: number) {
  const driver = modbusDriver.create(modbusDriver.config.parse({ unit, profile: 'vaisala-hmt330' }), {
    link,
    log: silentLogger(),
    clock: systemClock,
    timeoutMs,
    reportError: () => undefined,
  });
  const signal = new AbortController().signal;
  return () => driver.read!(signal);
}

/** Reads back to back for `ms`; returns reads per second and CPU µs per read. */
async function backToBack(read: () => Promise<unknown>, ms: number): Promise<{ rate: number; cpuUs: number; meanMs: number }> {
  for (let i = 0; i < 5; i++) await read(); // warm-up
  const cpu = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    await read();
    n++;
  }
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { rate: (n * 1000) / elapsed, cpuUs: (used.user + used.system) / n, meanMs: elapsed / n };
}

/** Polls like acquisition (a late cycle skips its missed slots); counts cycles with values. */
async function poll(read: () => Promise<{ value: number | null }[]>, intervalMs: number, signal: AbortSignal, count: { good: number }): Promise<void> {
  let next = performance.now();
  while (!signal.aborted) {
    if ((await read()).every((r) => r.value !== null)) count.good++;
    next += intervalMs;
    const now = performance.now();
    if (next < now) next = now;
    await new Promise((r) => setTimeout(r, next - now));
  }
}

async function sharedBusKeptRate(breaker: boolean): Promise<number> {
  const interval = 100;
  const timeout = 200;
  const measure = 4000;
  const cfg = breaker ? { failures: 3, probeInterval: 2000 } : { failures: 1_000_000, probeInterval: 2000 };
  return withBus([1, 2, 3], 'rtu', { breaker: cfg }, async (link, sim) => {
    sim.inject({ type: 'dead', unit: 3 });
    const counts = [{ good: 0 }, { good: 0 }, { good: 0 }];
    const stop = new AbortController();
    const loops = [1, 2, 3].map((unit, i) => poll(device(link, unit, timeout), interval, stop.signal, counts[i]!));
    await new Promise((r) => setTimeout(r, 4 * timeout)); // past the breaker's three timeouts
    for (const c of counts) c.good = 0;
    await new Promise((r) => setTimeout(r, measure));
    const kept = (counts[0]!.good + counts[1]!.good) / 2 / (measure / interval);
    stop.abort();
    await Promise.all(loops);
    return kept;
  });
}

export async function benchModbus(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const transport of ['tcp', 'rtu'] as const) {
    const base = await withBus([1], transport, {}, (link) => backToBack(device(link, 1, 1000), RUN_MS));
    rows.push({ name: `${transport}: round trip, d = 0 (one request, 2 floats)`, value: round(base.meanMs, 2), unit: 'ms' });
    rows.push({ name: `${transport}: CPU per Modbus read (driver + link + simulator)`, value: round(base.cpuUs, 0), unit: 'µs' });
    const delayed = await withBus([1], transport, { responseDelay: RESPONSE_DELAY_MS }, (link) => backToBack(device(link, 1, 1000), RUN_MS));
    const ideal = 1000 / (RESPONSE_DELAY_MS + base.meanMs);
    rows.push({ name: `${transport}: polling rate, d = ${RESPONSE_DELAY_MS} ms`, value: round(delayed.rate, 1), unit: 'reads/s' });
    rows.push({ name: `${transport}: ideal 1/(d + round trip)`, value: round(ideal, 1), unit: 'reads/s' });
    rows.push({ name: `${transport}: achieved / ideal`, value: round((100 * delayed.rate) / ideal, 1), unit: '%' });
  }
  rows.push({ name: 'rtu bus, 1 of 3 units dead, breaker on: rate kept by the live units', value: round(100 * (await sharedBusKeptRate(true)), 1), unit: '%' });
  rows.push({ name: 'rtu bus, 1 of 3 units dead, breaker off: rate kept by the live units', value: round(100 * (await sharedBusKeptRate(false)), 1), unit: '%' });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchModbus());
}
