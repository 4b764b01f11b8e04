/**
 * Configurations for the pilot's integration tests: a pilot YAML for one comparison (CMP-1, labs
 * PTB, NPL, LNE in circulation order, PTB the pilot) and the matching lab gateways, each on a
 * simulated DMM measuring the travelling standard Z1 and forwarding to the broker.
 */
import { writeKeyPair } from '../../../src/integrity/seal.js';
import { parsePilotConfig, type PilotConfig } from '../../../src/pilot/config.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { registry } from '../../../src/registry.js';
import { simulatedDmmsYaml } from '../../helpers/gateway-config.js';

export const COMPARISON = 'CMP-1';
export const LABS = ['PTB', 'NPL', 'LNE'] as const;
export const PILOT_TOKEN = 'pilot-token-0123456789abcdef';
export const labToken = (lab: string) => `lab-token-${lab.toLowerCase()}-0123456789`;
export const REFERENCE = { t0: '2026-01-01T00:00:00Z', x0: 10.0000025, uX0: 1.0e-6, driftPerDay: -3.0e-8, uDriftPerDay: 1.0e-8, uTransport: 1.0e-7 };

export interface PilotOptions {
  brokerUrl: string;
  dataDir: string;
  clientId: string;
  gateways: readonly { id: string; lab: string; publicKey: string }[];
  postgres?: string;
  sharedGroup?: string;
  apiPort?: number;
  logLevel?: string;
}

export function pilotYaml(o: PilotOptions): string {
  return `
comparison:
  id: ${COMPARISON}
  title: Test comparison of a 10 V Zener
  pilot: PTB
  labs: [${LABS.join(', ')}, PTB]
  standards:
    - { id: Z1, nominal: 10, unit: V, reference: ${JSON.stringify(REFERENCE)} }
gateways:
${o.gateways.map((g) => `  - { id: ${g.id}, lab: ${g.lab}, publicKeys: ["${g.publicKey}"] }`).join('\n')}
broker:
  url: ${o.brokerUrl}
  clientId: ${o.clientId}
${o.sharedGroup ? `  sharedGroup: ${o.sharedGroup}\n` : ''}store:
${o.postgres ? `  postgres: "${o.postgres}"\n` : '  sqlite: ""\n'}dataDir: "${o.dataDir}"
api:
  port: ${o.apiPort ?? 0}
  tokens:
    - { name: pilot, token: ${PILOT_TOKEN} }
${LABS.map((l) => `    - { name: ${l.toLowerCase()}, token: ${labToken(l)}, lab: ${l} }`).join('\n')}
ingest: { linger: 10ms }
results: { minReadings: 3, dcc: { countryCode: DE } }
log: { level: ${o.logLevel ?? 'warn'} }
`;
}

export function pilotConfig(o: PilotOptions): PilotConfig {
  const r = parsePilotConfig(pilotYaml(o), {});
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.config;
}

/** A lab gateway: a seal key written to `dataDir/seal.key` (its .pub for the pilot) and its config. */
export function labGateway(id: string, lab: string, dataDir: string, brokerUrl: string, typeB = 2e-7): { config: Config; yaml: string; publicKey: string } {
  const key = writeKeyPair(`${dataDir}/seal.key`, { force: true });
  const yaml = `
gateway: { id: ${id}, lab: ${lab}, comparison: ${COMPARISON}, dataDir: "${dataDir}" }
api: { port: 0 }
journal: { commitInterval: 5ms }
integrity: { sealEvery: { records: 50, interval: 300ms } }
sinks: { mqtt: { url: "${brokerUrl}", clientId: tg-${id}, retry: { initial: 200ms, max: 1s } } }
standards:
  - id: Z1
    nominal: 10
    measurand: { device: dmm-a, channel: dcv }
    reference: ${JSON.stringify(REFERENCE)}
    typeB: { u: ${typeB}, note: "DMM calibration and reference" }
    initialState: measuring
    settling: { time: 200ms, window: 200ms }
${simulatedDmmsYaml(1, '40ms')}`;
  const r = parseConfig(yaml, registry, {});
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return { config: r.config, yaml, publicKey: key.publicKeyFile };
}
