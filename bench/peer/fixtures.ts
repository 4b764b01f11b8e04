/**
 * What both peers talk to, the same for each:
 * - the Modbus TCP devices: `travelgate simulate` in its own process (so its CPU is nobody's), one
 *   `modbus` simulator per device, each on its own loopback port, serving the register map of
 *   workloads.ts for unit UNIT_ID and answering at once; a fresh one for every peer run;
 * - the real servers: Debian's influxd and mosquitto on free loopback ports (the test suite's
 *   helpers), started once for the whole suite; every run uses its own database and topic prefix.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInfluxd, type InfluxServer } from '../../test/helpers/servers/influxdb.js';
import { startMosquitto, type MosquittoServer } from '../../test/helpers/servers/mosquitto.js';
import { spawnNode, TRAVELGATE, type NodeProcess } from './node-process.js';
import { CHANNELS, FIRST_REGISTER, UNIT_ID, deviceId, type ChannelSpec } from './workloads.js';

export interface SimulatedDevice {
  id: string;
  host: string;
  port: number;
}

export interface SimulatorProcess {
  devices: SimulatedDevice[];
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** One channel as a register entry (the same YAML the driver's `registers` take). */
export function registerEntryYaml(c: ChannelSpec, index: number): string {
  return `{ channel: ${c.channel}, quantity: ${c.quantity}, unit: "${c.unit}", address: ${FIRST_REGISTER + index}, function: 3, type: int16, scale: ${c.scale} }`;
}

function simulatorConfigYaml(devices: number): string {
  const registers = CHANNELS.map((c, i) => `            - ${registerEntryYaml(c, i)}`).join('\n');
  const values = CHANNELS.filter((c) => c.fixed !== undefined)
    .map((c) => `${c.channel}: ${c.fixed}`)
    .join(', ');
  const simulators = Array.from({ length: devices }, (_, i) =>
    [
      `  - id: ${deviceId(i)}`,
      '    kind: modbus',
      '    listen: { tcp: { host: 127.0.0.1, port: 0 } }',
      '    options:',
      '      units:',
      `        - unit: ${UNIT_ID}`,
      `          values: { ${values} }`,
      '          registers:',
      registers,
    ].join('\n'),
  );
  return ['gateway: { id: peer-sim, lab: BENCH }', 'log: { level: warn }', 'simulators:', ...simulators, ''].join('\n');
}

/** Starts `devices` simulated devices; resolves once each printed where it listens. */
export async function startSimulator(dir: string, devices: number): Promise<SimulatorProcess> {
  const config = join(dir, 'simulator.yaml');
  writeFileSync(config, simulatorConfigYaml(devices));
  const sim: NodeProcess = spawnNode('travelgate simulate', [TRAVELGATE, 'simulate', '--config', config]);
  try {
    const found = new Map<string, SimulatedDevice>();
    const deadline = Date.now() + START_TIMEOUT_MS;
    // `simulate` prints one line per simulator: "<id> (modbus) tcp://<host>:<port>".
    while (found.size < devices) {
      for (const line of sim.output) {
        const m = /^(\S+) \(modbus\) tcp:\/\/([^:\s]+):(\d+)/.exec(line);
        if (m) found.set(m[1]!, { id: m[1]!, host: m[2]!, port: Number(m[3]) });
      }
      if (found.size >= devices) break;
      if (!sim.running()) throw new Error(`the simulator exited during start: ${sim.describe()}`);
      if (Date.now() > deadline) throw new Error(`the simulator did not list ${devices} devices within ${START_TIMEOUT_MS} ms: ${sim.describe()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      devices: Array.from({ length: devices }, (_, i) => found.get(deviceId(i))!),
      stop: async () => {
        await sim.stop(10_000);
      },
    };
  } catch (err) {
    await sim.stop(2000);
    throw err;
  }
}

export interface BenchServers {
  influx: InfluxServer;
  broker: MosquittoServer;
}

/** Runs `fn` with both servers up; stops them and removes their folders afterwards, whatever happens. */
export async function withServers<T>(fn: (servers: BenchServers) => Promise<T>): Promise<T> {
  const influx = await startInfluxd();
  try {
    const broker = await startMosquitto();
    try {
      return await fn({ influx, broker });
    } finally {
      await broker.close();
    }
  } finally {
    await influx.close();
  }
}
