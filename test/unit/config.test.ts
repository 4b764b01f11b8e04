import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { registry } from '../../src/registry.js';
import { testRegistry } from '../helpers/test-registry.js';

const VALID = `
gateway: { id: gw-1, lab: PTB, dataDir: /tmp/tg }
links:
  - { id: lan-1, type: tcp, host: 192.0.2.10, port: 5025 }
  - { id: rs232-1, type: serial, path: /dev/ttyUSB0, baudRate: 4800, dataBits: 7, parity: even }
devices:
  - { id: dmm, driver: probe, link: lan-1, interval: 2s, timeout: 500ms, options: { gain: 2 } }
  - { id: ptu, driver: probe, link: rs232-1 }
`;

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = parseConfig(text, testRegistry, env);
  if (r.ok) throw new Error('expected the configuration to be invalid');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('configuration', () => {
  it('accepts a valid file and applies defaults and durations', () => {
    const r = parseConfig(VALID, testRegistry, {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.api).toMatchObject({ host: '127.0.0.1', port: 8080, tokens: [], requireTokenForReads: false });
    expect(r.config.devices[0]).toMatchObject({ interval: 2000, timeout: 500, options: { gain: 2, query: 'READ?' } });
    expect(r.config.devices[1]).toMatchObject({ interval: 1000, timeout: 2000, options: { gain: 1 } });
    expect(r.config.links[1]).toMatchObject({ baudRate: 4800, dataBits: 7, parity: 'even', stopBits: 1 });
    expect(r.config.journal.retention).toBe(365 * 86_400_000);
  });

  it('reports a device on an unknown link with the path of the device', () => {
    const text = VALID.replace('link: rs232-1', 'link: rs232-9');
    expect(issuesOf(text)).toContain('devices[1].link: unknown link "rs232-9"');
  });

  it('reports a GPIB instrument on a plain tcp link with the link type it needs', () => {
    const yaml = `
gateway: { id: g, lab: L }
links:
  - { id: lan, type: tcp, host: 192.0.2.7, port: 1234 }
  - { id: gpib, type: prologix, host: 192.0.2.8, address: 22 }
devices:
  - { id: dmm, driver: hp3458a, link: lan }
  - { id: dmm2, driver: hp3458a, link: gpib }
`;
    const r = parseConfig(yaml, registry, {});
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['devices[0].link: driver "hp3458a" needs a link of type prologix; "lan" is tcp']);
  });

  it('reports two devices with one id', () => {
    const text = VALID.replace('id: ptu', 'id: dmm');
    expect(issuesOf(text)).toContain('devices[1].id: duplicate id "dmm" (also devices[0])');
  });

  it('reports every problem at once, schema and cross-references together', () => {
    const text = `
gateway: { id: gw-1 }
links:
  - { id: lan-1, type: tcp, host: h }
  - { id: lan-1, type: carrier-pigeon }
devices:
  - { id: dmm, driver: nope, link: lan-1 }
  - { id: d2, driver: probe, link: missing, interval: soon, options: { gain: -1, colour: red } }
`;
    const issues = issuesOf(text);
    expect(issues).toEqual(
      expect.arrayContaining([
        'gateway.lab: Invalid input: expected string, received undefined',
        'links[0].port: required (or name a simulator)',
        'links[1].type: unknown type "carrier-pigeon"',
        'links[1].id: duplicate id "lan-1" (also links[0])',
        'devices[0].driver: unknown driver "nope" (known: probe)',
        'devices[1].link: unknown link "missing"',
        'devices[1].options.gain: Too small: expected number to be >0',
        'devices[1].options: unknown key "colour"',
      ]),
    );
    expect(issues.some((i) => i.startsWith('devices[1].interval: '))).toBe(true);
  });

  it('replaces ${NAME} and ${NAME:-default} from the environment, typed when whole', () => {
    const text = `
gateway: { id: gw-1, lab: "\${LAB}", dataDir: "\${DATA:-./data}/x" }
api: { port: "\${PORT:-8080}" }
`;
    const r = parseConfig(text, testRegistry, { LAB: 'NPL', PORT: '9090' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.gateway).toMatchObject({ lab: 'NPL', dataDir: './data/x' });
    expect(r.config.api.port).toBe(9090);
  });

  it('reports an unset variable without a default at its path', () => {
    const text = `gateway: { id: gw-1, lab: "\${LAB}" }\n`;
    expect(issuesOf(text)).toContain('gateway.lab: environment variable LAB is not set and has no default');
  });

  it('reports YAML syntax errors with line and column', () => {
    const issues = issuesOf('gateway: { id: gw-1\nlinks: [\n');
    expect(issues[0]).toMatch(/^line \d+:\d+: /);
  });

  it('reports a tcp link that names a simulator which does not exist', () => {
    const text = `
gateway: { id: gw-1, lab: L }
links: [ { id: s, type: tcp, simulator: ghost } ]
`;
    expect(issuesOf(text)).toContain('links[0].simulator: unknown simulator "ghost"');
  });
});
