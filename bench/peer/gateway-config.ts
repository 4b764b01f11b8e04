/**
 * The travelgate configurations the peer suite runs: the full pipeline for a workload, and the
 * same gateway without devices for its idle footprint.
 *
 * Contract (what "full pipeline" means here):
 * - journal with its defaults (group commit, synchronous=FULL) in `<dir>/data/journal.sqlite`;
 * - integrity with a key generated at start in `<dir>/seal.key` (public key `<dir>/seal.key.pub`);
 * - one modbus-tcp link and one `modbus` device per simulated device, reading the register map of
 *   workloads.ts (one request for all channels), `interval` as the workload says;
 * - one travelling standard, in state `measuring`, whose measurand is MEASURAND_CHANNEL of the
 *   first device (drift fit, E_b/E_n against a reference model, CUSUM) with the lab environment
 *   window on that device's humidity and pressure;
 * - sinks influx and mqtt with their defaults on the real servers;
 * - `api: { port: 0 }`, `log: { level: warn }`.
 */
import { writeFileSync } from 'node:fs';
import type { StandardConfigInput } from '../../src/checks/config.js';
import { join } from 'node:path';
import { registerEntryYaml, type SimulatedDevice } from './fixtures.js';
import { CHANNELS, MEASURAND_CHANNEL, UNIT_ID, type Workload } from './workloads.js';

export interface GatewaySetup {
  /** Used for the gateway id, the database, the MQTT client id and topic prefix. */
  name: string;
  dir: string;
  influxUrl: string;
  database: string;
  mqttUrl: string;
  topicPrefix: string;
}

export interface GatewayFiles {
  config: string;
  dataDir: string;
  journal: string;
  publicKey: string;
}

function commonYaml(s: GatewaySetup): string {
  return `gateway: { id: ${s.name}, lab: BENCH, comparison: PEER, dataDir: "${join(s.dir, 'data')}" }
api: { port: 0 }
log: { level: warn }
integrity: { generateKey: true, keyFile: "${join(s.dir, 'seal.key')}" }
sinks:
  influx: { url: "${s.influxUrl}", database: ${s.database} }
  mqtt: { url: "${s.mqttUrl}", clientId: ${s.name}-${process.pid}, topicPrefix: ${s.topicPrefix}, sessionExpiry: 5m }
`;
}

function devicesYaml(devices: readonly SimulatedDevice[], intervalMs: number): string {
  const registers = CHANNELS.map((c, i) => `        - ${registerEntryYaml(c, i)}`).join('\n');
  const links = devices.map((d) => `  - { id: link-${d.id}, type: modbus-tcp, host: ${d.host}, port: ${d.port} }`);
  const entries = devices.map((d) =>
    [`  - id: ${d.id}`, '    driver: modbus', `    link: link-${d.id}`, `    interval: ${intervalMs}`, '    timeout: 1s', '    options:', `      unit: ${UNIT_ID}`, '      registers:', registers].join('\n'),
  );
  const first = devices[0]!.id;
  return `links:
${links.join('\n')}
devices:
${entries.join('\n')}
standards:
  - ${JSON.stringify(peerStandard(first))}
`;
}

/**
 * The travelling standard of the full pipeline (a configuration entry, as YAML would give it):
 * the measurand and the lab environment on `device`. The in-process pipeline suite
 * (bench/pipeline.ts) checks the same one.
 */
export function peerStandard(device: string): StandardConfigInput {
  return {
    id: 'peer-thermometer',
    quantity: 'temperature',
    nominal: 23,
    unit: '°C',
    measurand: { device, channel: MEASURAND_CHANNEL },
    environment: {
      humidity: { device, channel: 'humidity' },
      pressure: { device, channel: 'pressure' },
      window: { humidity: { min: 20, max: 70 }, pressure: { min: 900, max: 1100 } },
    },
    reference: { t0: '2026-01-01T00:00:00Z', x0: 23, uX0: 0.01, driftPerDay: 0, uDriftPerDay: 0.001 },
    initialState: 'measuring',
  };
}

function files(s: GatewaySetup, yaml: string): GatewayFiles {
  const config = join(s.dir, 'gateway.yaml');
  writeFileSync(config, yaml);
  const dataDir = join(s.dir, 'data');
  return { config, dataDir, journal: join(dataDir, 'journal.sqlite'), publicKey: join(s.dir, 'seal.key.pub') };
}

/** The full pipeline reading `devices` as `workload` says. */
export function writePipelineConfig(s: GatewaySetup, workload: Workload, devices: readonly SimulatedDevice[]): GatewayFiles {
  return files(s, commonYaml(s) + devicesYaml(devices, workload.intervalMs));
}

/** The same gateway (API, journal, integrity, sinks) with no devices, standards or simulators. */
export function writeIdleConfig(s: GatewaySetup): GatewayFiles {
  return files(s, commonYaml(s));
}
