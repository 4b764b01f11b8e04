/**
 * The misconfigurations that used to pass silently are refused (exit 2) or warned about by
 * check-config, which the systemd unit runs before every start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { writeKeyPair } from '../../src/integrity/seal.js';
import { textWritable } from '../helpers/text-writable.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEMO = readFileSync('config/demo.yaml', 'utf8');
const TOKEN = 'an-operator-token-of-some-length';

async function check(text: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const stdout = textWritable();
  const stderr = textWritable();
  const code = await checkConfig(file, { stdout, stderr }, { TRAVELGATE_DATA_DIR: join(dir, 'data'), ...env });
  return { code, out: stdout.text, err: stderr.text.replaceAll(file, 'FILE') };
}

describe('check-config', () => {
  it('refuses a standard whose measurand names a channel its device does not have', async () => {
    const r = await check(DEMO.replace('measurand: { device: dmm-1, channel: dcv }', 'measurand: { device: dmm-1, channel: dvc }').replace('pressure: { device: ptu-1, channel: pressure }', 'pressure: { device: ptu-1, channel: press }'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('standards[0].measurand.channel: device "dmm-1" has no channel "dvc" (its channels: dcv); the standard would never get a reading');
    expect(r.err).toMatch(/standards\[0\]\.environment\.pressure\.channel: device "ptu-1" has no channel "press" \(its channels: humidity, temperature, pressure, /);
  });

  it('refuses a missing seal key (generateKey off), saying how to make it', async () => {
    const r = await check(DEMO.replace('generateKey: true', 'generateKey: false'));
    expect(r.code).toBe(2);
    const key = join(dir, 'data', 'seal.key');
    expect(r.err).toContain(`integrity.keyFile: the seal key ${key} does not exist: create it with \`travelgate keygen --out ${key}\``);
  });

  it('warns when no token may operate: every operator action would get 401', async () => {
    const r = await check(DEMO.replace(/  tokens:\n.*\n/, ''));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: valid \(4 links, 4 devices, 1 standards, 4 simulators\)\n$/);
    expect(r.err).toMatch(/^warning: api\.tokens: no token has the right "operate": every operator action .* refused with 401/m);
  });

  it('lab.example.yaml: refused without TRAVELGATE_API_TOKEN or the seal key; valid with both, warning of absent serial ports', async () => {
    const lab = readFileSync('config/lab.example.yaml', 'utf8');
    const noToken = await check(lab);
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('api.tokens[0].token: environment variable TRAVELGATE_API_TOKEN is not set and has no default');

    const noKey = await check(lab, { TRAVELGATE_API_TOKEN: TOKEN });
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain(`integrity.keyFile: the seal key ${join(dir, 'data', 'seal.key')} does not exist`);

    writeKeyPair(join(dir, 'data', 'seal.key'), { force: true });
    const ok = await check(lab, { TRAVELGATE_API_TOKEN: TOKEN });
    expect(ok.err).not.toMatch(/problem/);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/valid \(6 links, 7 devices, 1 standards, 0 simulators\)/);
    expect(ok.err).toMatch(/^warning: links\[1\]\.path: \/dev\/serial\/by-id\/.* does not exist now/m);
    expect(ok.err).not.toMatch(/api\.tokens/);
  });
});
