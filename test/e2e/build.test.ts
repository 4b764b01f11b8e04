import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  it('the gateway\'s bundle loads nothing it may not use: no ES module loader, HTTP/2, HTTPS, TLS or DNS, no schema compiler, no readable-stream', async () => {
    // The bundle `run` requires, evaluated as it is at start, without starting a gateway (the build
    // is the one the test above made).
    const probe = "require('./dist/src/cli/run.js'); process.stdout.write(JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) }))";
    const { stdout } = await run(process.execPath, ['-e', probe]);
    const { builtins, files } = JSON.parse(stdout) as { builtins: string[]; files: string[] };
    expect(builtins).toContain('NativeModule http'); // what the API does use
    for (const unused of ['http2', 'https', 'tls', 'dns', 'internal/modules/esm/module_job']) expect(builtins).not.toContain(`NativeModule ${unused}`);
    expect(files.filter((f) => /node_modules[/\\](ajv|fast-json-stringify|light-my-request|@fastify[/\\]ajv-compiler)[/\\]/.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith(join('dist', 'src', 'cli', 'run.js')))).toBe(true);
    // Nor is it in the bundle's text: its source map names every module bundled.
    const { sources } = JSON.parse(readFileSync('dist/src/cli/run.js.map', 'utf8')) as { sources: string[] };
    expect(sources.some((s) => s.includes('node_modules/fastify/'))).toBe(true);
    // (Fastify's error serializer is fast-json-stringify's serializer.js alone, which it does use.)
    const unused = /node_modules\/(.*\/)?(readable-stream|ajv|light-my-request)\/|fast-json-stringify\/index\.js|node_modules\/zod\/v4\/locales\/(?!en\.js)/;
    expect(sources.filter((s) => unused.test(s))).toEqual([]);
  });
});
