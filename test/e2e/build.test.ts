import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';

const run = promisify(execFile);

/**
 * The container runs the compiled tree (`npm run build`, then `node dist/src/cli.js`), not the
 * TypeScript sources through tsx: this checks that the build carries everything the gateway reads
 * at run time (scenario files, the status page, the package version).
 */
describe('the compiled build that the Dockerfile runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-build-'));
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, and the built CLI runs the demo with its status page', async () => {
    await run('npm', ['run', 'build'], { timeout: 240_000 });
    const check = await run(process.execPath, ['dist/src/cli.js', 'check-config', '--config', 'config/demo.yaml']);
    expect(check.stdout).toMatch(/valid/);

    gw = await startGatewayProcess('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir }, 30_000, ['dist/src/cli.js']);
    await waitFor('readyz 200', async () => ((await fetch(`${gw!.url}/readyz`)).status === 200 ? true : undefined));
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('travelgate');
    const status = (await (await fetch(`${gw.url}/api/v1/status`)).json()) as { version: string; devices: unknown[] };
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.devices).toHaveLength(4);
    expect(await gw.stop()).toBe(0);
  }, 300_000);
});
