import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';
import { startSubscriber, type Subscriber } from '../helpers/mqtt-subscriber.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';

const run = promisify(execFile);

/**
 * The container runs the built bundle (`npm run build`, then `node dist/src/cli.js`), not the
 * TypeScript sources through tsx: this checks that the build carries everything the gateway reads
 * at run time (scenario files, the status page, the package version), that the bundled
 * libraries work as they do unbundled (MQTT.js is CommonJS, loaded on first use: the records reach
 * a real broker), and runs it as the image does: `run` on $TRAVELGATE_CONFIG, and the health check
 * asking the configured port.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}
describe('the compiled build that the Dockerfile runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-build-'));
  let gw: GatewayProcess | undefined;
  let broker: MosquittoServer | undefined;
  let platform: Subscriber | undefined;
  afterAll(async () => {
    await gw?.kill();
    await platform?.close();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, and the built CLI runs the demo with its status page', async () => {
    await run('npm', ['run', 'build'], { timeout: 240_000 });
    const check = await run(process.execPath, ['dist/src/cli.js', 'check-config', '--config', 'config/demo.yaml']);
    expect(check.stdout).toMatch(/valid/);

    broker = await startMosquitto();
    platform = await startSubscriber(broker.url, 'travelgate/#');
    const port = await freePort();
    const env = { TRAVELGATE_DATA_DIR: dataDir, TRAVELGATE_CONFIG: 'config/demo.yaml', TRAVELGATE_API_PORT: String(port), TRAVELGATE_MQTT_URL: broker.url };
    // As the image's CMD ["run"]: no --config, the configuration comes from TRAVELGATE_CONFIG.
    gw = await startGatewayProcess('config/demo.yaml', env, 30_000, ['dist/src/cli.js'], ['run']);
    expect(gw.url).toBe(`http://127.0.0.1:${port}`);
    await waitFor('readyz 200', async () => ((await fetch(`${gw!.url}/readyz`)).status === 200 ? true : undefined));
    // As the image's HEALTHCHECK: the address comes from the configuration.
    const health = await run(process.execPath, ['dist/src/cli.js', 'health'], { env: { ...process.env, ...env } });
    expect(health.stdout).toBe(`ok: http://127.0.0.1:${port}/healthz\n`);
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('travelgate');
    const status = (await (await fetch(`${gw.url}/api/v1/status`)).json()) as { version: string; devices: unknown[] };
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.devices).toHaveLength(4);
    await platform.waitForAll(5, 30_000);
    expect(platform.malformed).toEqual([]);
    expect(await gw.stop()).toBe(0);
    const down = await run(process.execPath, ['dist/src/cli.js', 'health'], { env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e);
    expect(down).toMatchObject({ code: 1, stderr: expect.stringMatching(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: /) });
  }, 300_000);
});
