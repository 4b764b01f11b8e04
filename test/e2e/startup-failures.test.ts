/**
 * Start-up failures a lab meets when it deploys: each is one line on stderr saying what to do, and
 * exit 2 — no JSON stack trace. A second gateway on the same data folder is refused by the lock
 * before it touches the journal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(config: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/travelgate', 'run', '--config', config], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** stderr is exactly one `travelgate: …` line, and nothing printed a stack trace. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at |"stack"/);
  return lines[0]!;
}

describe('start-up failures', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'tg-startup-'));
    dirs.push(d);
    return d;
  };
  let blocker: Server | undefined;
  let first: GatewayProcess | undefined;
  afterAll(async () => {
    blocker?.close();
    await first?.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a port in use: one line naming the address and what to do, exit 2', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = await run('config/demo.yaml', { TRAVELGATE_DATA_DIR: tmp(), TRAVELGATE_API_PORT: String(port) });
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`travelgate: cannot listen on 127.0.0.1:${port}: the port is in use (by another travelgate, or another program); stop that, or set api.port to a free port`);
  }, 60_000);

  it('a missing seal key: one line saying how to make it, exit 2, before anything starts', async () => {
    const dir = tmp();
    const config = join(dir, 'lab.yaml');
    writeFileSync(config, `gateway: { id: gw-key, lab: TEST, dataDir: "${dir}" }\napi: { port: 0 }\nintegrity: { generateKey: false }\n`);
    const r = await run(config, {});
    expect(r.code).toBe(2);
    const key = join(dir, 'seal.key');
    expect(oneLine(r)).toBe(
      `travelgate: integrity.keyFile: the seal key ${key} does not exist: create it with \`travelgate keygen --out ${key}\` (as the user the gateway runs as) and send ${key}.pub to the pilot laboratory`,
    );
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a second gateway on the same data folder: refused by the lock before it touches the journal', async () => {
    const dataDir = tmp();
    first = await startGatewayProcess('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir });
    await waitFor('the first gateway ready', async () => ((await fetch(`${first!.url}/readyz`)).status === 200 ? true : undefined), 20_000);
    const before = ((await (await fetch(`${first.url}/api/v1/status`)).json()) as { journal: { lastSeq: number } }).journal.lastSeq;

    const second = await run('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir, TRAVELGATE_API_PORT: '0' });
    expect(second.code).toBe(2);
    expect(oneLine(second)).toBe(
      `travelgate: another travelgate already runs on the journal ${join(dataDir, 'journal.sqlite')} (its lock ${join(dataDir, 'journal.sqlite')}.lock is held): ` +
        'stop it first (e.g. systemctl stop travelgate), or give this gateway its own gateway.dataDir',
    );
    expect(second.stdout).not.toMatch(/journal opened|UNIQUE constraint/);

    // The first one never noticed: it goes on numbering its records and stops cleanly.
    await waitFor('the first gateway to journal more', async () => {
      const s = (await (await fetch(`${first!.url}/api/v1/status`)).json()) as { journal: { lastSeq: number } };
      return s.journal.lastSeq > before ? true : undefined;
    });
    expect(await first.stop()).toBe(0);
    first = undefined;
  }, 90_000);
});
