import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';

/** `bin/travelgate ...args` as its own process. */
function travelgate(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/travelgate', ...args], { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the demo: bin/travelgate export, then bin/travelgate verify', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-verify-demo-'));
  const env = { TRAVELGATE_DATA_DIR: dataDir };
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on the demo journal, and 1 with the seq and reason after a one-byte change', async () => {
    gw = await startGatewayProcess('config/demo.yaml', env);
    const keyFile = join(dataDir, 'seal.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600); // the demo generated its key pair
    await waitFor('DMM and PTU readings', async () => {
      const count = async (device: string): Promise<number> =>
        ((await (await fetch(`${gw!.url}/api/v1/readings?device=${device}&limit=3`)).json()) as { readings: unknown[] }).readings.length;
      return (await count('dmm-1')) >= 3 && (await count('ptu-1')) >= 3 ? true : undefined;
    });
    expect(await gw.stop()).toBe(0);

    const exported = await travelgate(['export', '--config', 'config/demo.yaml'], env);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.split('\n').filter(Boolean);
    interface Rec {
      v?: number;
      seq: number;
      kind: string;
      clock?: string;
      device?: string;
      channels?: Record<string, { value: number | null }>;
    }
    const records = lines.map((l) => JSON.parse(l) as Rec);
    expect(records.at(-1)!.kind).toBe('seal'); // a clean stop ends with a seal: nothing left out
    expect(exported.stderr).not.toMatch(/left out/);
    expect(records.every((r) => r.v === 2 && (r.clock === 'yes' || r.clock === 'no' || r.clock === 'unknown'))).toBe(true);
    // one record per acquisition: a device's channels together (the PTU gives several per poll)
    expect(records.some((r) => r.kind === 'acquisition' && r.device === 'ptu-1' && Object.keys(r.channels!).length > 1)).toBe(true);
    expect(records.some((r) => r.kind === 'reading')).toBe(false);
    const file = join(dataDir, 'export.ndjson');
    writeFileSync(file, exported.stdout);

    const ok = await travelgate(['verify', file, '--public-key', `${keyFile}.pub`]);
    expect(ok.stdout).toMatch(new RegExp(`^OK: ${lines.length} records, seq 1\\.\\.${lines.length},`));
    expect(ok.code).toBe(0);

    // One byte: the last digit of the first DMM acquisition's dcv value.
    const text = readFileSync(file, 'utf8');
    const dcv = (r: Rec): number | null | undefined => (r.kind === 'acquisition' && r.device === 'dmm-1' ? r.channels?.dcv?.value : undefined);
    const index = records.findIndex((r) => typeof dcv(r) === 'number' && Math.abs(dcv(r)! - 10) < 0.01);
    expect(index).toBeGreaterThanOrEqual(0);
    const lineStart = lines.slice(0, index).reduce((n, l) => n + l.length + 1, 0);
    const valueText = `"value":${dcv(records[index]!)}`;
    const at = text.indexOf(valueText, text.indexOf('"dcv":{', lineStart)) + valueText.length - 1;
    expect(at).toBeGreaterThan(lineStart);
    expect(at).toBeLessThan(lineStart + lines[index]!.length);
    const bytes = Buffer.from(text);
    bytes[at] = bytes[at] === 0x37 ? 0x38 : 0x37; // '7' <-> another digit
    writeFileSync(file, bytes);
    const bad = await travelgate(['verify', file, '--public-key', `${keyFile}.pub`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(`FAILED at seq ${records[index]!.seq}: record hash does not match its content: the record was altered\n`);
  }, 90_000); // several processes start here, on a shared two-core machine
});
