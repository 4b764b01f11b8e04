/**
 * The pilot's configuration: every problem at once as `path: message` (and exit 2 from the CLI),
 * cross-references checked, the sample configuration valid, the gateway's `typeB` declaration.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { declarationEvents, parseStandard } from '../../src/checks/index.js';
import { writeKeyPair } from '../../src/integrity/seal.js';
import { parsePilotConfig } from '../../src/pilot/config.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const id of ['tg-ptb-1', 'tg-metas-1', 'tg-vsl-1']) writeKeyPair(join(dir, id));
const ENV = { PILOT_KEYS: dir, PILOT_TOKEN: 'pilot-secret-token-0123456789', PILOT_TOKEN_METAS: 'metas-secret-token-0123456789', PILOT_TOKEN_VSL: 'vsl-secret-token-012345678901' };

describe('the pilot configuration', () => {
  it('accepts the sample configuration', () => {
    const r = parsePilotConfig(readFileSync('config/pilot.example.yaml', 'utf8'), ENV);
    expect(r.ok ? [] : r.issues).toEqual([]);
    if (!r.ok) return;
    expect(r.config.gateways.map((g) => g.lab)).toEqual(['PTB', 'METAS', 'VSL']);
    expect(r.config.store.postgres).toBe('');
  });

  it('keeps a token from the environment as text even when it reads as a number', () => {
    const digits = '01234567890123456789';
    const r = parsePilotConfig(readFileSync('config/pilot.example.yaml', 'utf8'), { ...ENV, PILOT_TOKEN: digits });
    expect(r.ok ? [] : r.issues).toEqual([]);
    if (r.ok) expect(r.config.api.tokens.map((t) => t.token)).toContain(digits);
  });

  it('reports every problem at once as path: message', () => {
    const text = `
comparison: { id: "a/b", pilot: XYZ, labs: [PTB], standards: [ { id: Z1, nominal: 10, reference: { t0: "2026-01-01", x0: 10, uX0: -1, driftPerDay: 0, uDriftPerDay: 0 } } ] }
gateways:
  - { id: gw, lab: NPL, publicKeys: ["${join(dir, 'missing.pub')}"] }
  - { id: gw, lab: PTB, publicKeys: ["${join(dir, 'tg-ptb-1.pub')}"] }
broker: { url: "http://x", clientId: p }
api: { tokens: [ { name: t, token: short } ] }
bogus: 1
`;
    const r = parsePilotConfig(text, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^comparison\.id: expected a topic level/),
        expect.stringMatching(/^comparison\.standards\[0\]\.reference\.t0: expected an ISO 8601 time with a zone/),
        expect.stringMatching(/^comparison\.standards\[0\]\.reference\.uX0: /),
        expect.stringMatching(/^broker\.url: expected an mqtt:\/\/ or mqtts:\/\/ URL/),
        expect.stringMatching(/^api\.tokens\[0\]\.token: a token needs at least 16 characters/),
        '(root): unknown key "bogus"',
      ]),
    );
    // Cross-references are checked once the shapes are right.
    const shaped = parsePilotConfig(
      `
comparison: { id: C, pilot: XYZ, labs: [PTB], standards: [ { id: Z1, nominal: 10, reference: { t0: "2026-01-01T00:00:00Z", x0: 10, uX0: 0, driftPerDay: 0, uDriftPerDay: 0 } } ] }
gateways:
  - { id: gw, lab: NPL, publicKeys: ["${join(dir, 'missing.pub')}"] }
  - { id: gw, lab: PTB, publicKeys: ["${join(dir, 'tg-ptb-1.pub')}"] }
broker: { url: "mqtt://x", clientId: p }
api: { tokens: [ { name: m, token: 0123456789abcdef0, lab: METAS } ] }
`,
      {},
    );
    expect(shaped.ok ? [] : shaped.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'comparison.pilot: "XYZ" is not among comparison.labs',
      'gateways[1]: "gw" appears twice',
      'gateways[0].lab: "NPL" is not among comparison.labs',
      expect.stringMatching(/^gateways\[0\]\.publicKeys\[0\]: cannot load an Ed25519 public key from .*missing\.pub/),
      'api.tokens[0].lab: "METAS" is not among comparison.labs',
    ]);
  });

  it('exits 2 from the command line with every problem, and keeps secrets out of the output', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'comparison: { id: C }\nbroker: { url: "mqtt://u:hunter2hunter2@x", clientId: p }\n');
    const out = spawnSync(process.execPath, ['bin/travelgate', 'pilot', '--config', file], { encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/problems\n/);
    expect(out.stderr).toMatch(/^comparison\.pilot: /m);
    expect(out.stderr).toMatch(/^gateways: /m);
    expect(out.stderr).not.toMatch(/hunter2/);
  });
});

describe("the gateway's declaration for the pilot", () => {
  it('is one standard_declared event per standard with nominal, unit and type B', () => {
    const withB = parseStandard({ id: 'Z1', nominal: 10, measurand: { device: 'dmm', channel: 'dcv' }, typeB: { u: 2e-7, note: 'DMM cal' } });
    const without = parseStandard({ id: 'R1', nominal: 1, unit: 'Ω', quantity: 'resistance', measurand: { device: 'dmm', channel: 'r' } });
    expect(declarationEvents([withB, without], 1000)).toEqual([
      { type: 'standard_declared', time: 1000, standard: 'Z1', severity: 'info', message: 'Z1: nominal 10 V, type B u = 2e-7 V (k=1)', data: { standard: 'Z1', quantity: 'voltage', nominal: 10, unit: 'V', typeB: { u: 2e-7, note: 'DMM cal' } } },
      { type: 'standard_declared', time: 1000, standard: 'R1', severity: 'info', message: 'R1: nominal 1 Ω, no type B uncertainty declared', data: { standard: 'R1', quantity: 'resistance', nominal: 1, unit: 'Ω', typeB: null } },
    ]);
    expect(() => parseStandard({ id: 'Z1', nominal: 10, measurand: { device: 'd', channel: 'c' }, typeB: { u: -1 } })).toThrow();
  });
});
