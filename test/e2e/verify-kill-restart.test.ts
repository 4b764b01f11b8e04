import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyFile } from '../../src/cli/verify.js';
import { simulatedDmmsYaml } from '../helpers/gateway-config.js';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';
import { textWritable as text } from '../helpers/text-writable.js';

/** Two fast instruments so that records and seals are being committed when the kill comes. */
const CONFIG = `
gateway: { id: tg-kill-verify, lab: TEST, dataDir: "\${TRAVELGATE_DATA_DIR}" }
api: { port: 0 }
journal: { commitInterval: 5ms }
integrity: { generateKey: true, sealEvery: { records: 200, interval: 500ms } }
${simulatedDmmsYaml(2, '10ms')}`;

function travelgate(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/travelgate', ...args], { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function lastSeq(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/v1/status`)).json()) as { journal: { lastSeq: number } }).journal.lastSeq;
}

interface Rec {
  v?: number;
  seq: number;
  kind: string;
  device?: string;
  channels?: Record<string, unknown>;
  event?: { type: string };
}

describe('export and verify around a gateway killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-kill-verify-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, CONFIG);
  const env = { TRAVELGATE_DATA_DIR: join(dir, 'data') };
  const publicKey = join(dir, 'data', 'seal.key.pub');
  const gateways: GatewayProcess[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * `bin/travelgate export` (its own process: a reader beside the gateway's writer), then the
   * verify command's code in-process (test/e2e/verify-demo.test.ts runs `bin/travelgate verify`).
   */
  async function exportAndVerify(name: string): Promise<{ records: Rec[]; exportErr: string; verifyOut: string }> {
    const e = await travelgate(['export', '--config', config], env);
    expect(e.code, e.stderr).toBe(0);
    const file = join(dir, name);
    writeFileSync(file, e.stdout);
    const io = { stdout: text(), stderr: text() };
    const code = await verifyFile(file, [publicKey], io);
    expect(code, io.stdout.text + io.stderr.text).toBe(0);
    const records = e.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
    return { records, exportErr: e.stderr, verifyOut: io.stdout.text };
  }

  it('verifies while running, right after the kill (up to the last seal), and after the restart', async () => {
    const first = await startGatewayProcess(config, env);
    gateways.push(first);
    await waitFor('400 records', async () => ((await lastSeq(first.url)) >= 400 ? true : undefined));

    // While the gateway writes: a read-only export of a consistent, sealed prefix.
    const live = await exportAndVerify('live.ndjson');
    expect(live.records.at(-1)!.kind).toBe('seal');

    await first.kill(); // mid-write: both devices commit every few milliseconds
    const killed = await exportAndVerify('killed.ndjson');
    expect(killed.records.length).toBeGreaterThanOrEqual(live.records.length);
    expect(killed.records.at(-1)!.kind).toBe('seal');
    const sealedBeforeRestart = killed.records.at(-1)!.seq;

    const second = await startGatewayProcess(config, env);
    gateways.push(second);
    await waitFor('records after the restart', async () => ((await lastSeq(second.url)) > sealedBeforeRestart + 200 ? true : undefined));
    expect(await second.stop()).toBe(0);

    const after = await exportAndVerify('after.ndjson');
    expect(after.exportErr).not.toMatch(/left out/); // a clean stop ends with a seal
    expect(after.records.map((r) => r.seq)).toEqual(after.records.map((_, i) => i + 1)); // from genesis, gap-free
    expect(after.records.filter((r) => r.event?.type === 'gateway_started')).toHaveLength(2);
    // version 2 records only, one per acquisition, from both instruments
    expect(after.records.every((r) => r.v === 2 && r.kind !== 'reading')).toBe(true);
    const acquisitions = after.records.filter((r) => r.kind === 'acquisition');
    expect(new Set(acquisitions.map((r) => r.device))).toEqual(new Set(['dmm-a', 'dmm-b']));
    expect(acquisitions.every((r) => Object.keys(r.channels ?? {}).length > 0)).toBe(true);
    expect(after.records.at(-1)!.kind).toBe('seal');
    expect(after.verifyOut).toMatch(new RegExp(`^OK: ${after.records.length} records, seq 1\\.\\.${after.records.length},`));
  }, 120_000); // five processes start here, on a shared two-core machine
});
