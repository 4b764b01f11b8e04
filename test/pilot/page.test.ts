/**
 * The pilot's page in a real browser (Debian's chromium through playwright-core, as the status
 * page's test does): a receiver on a real mosquitto verifies three labs' sealed streams (an A-B-C
 * loop of a 10 V Zener with declarations, transitions and a shock in transport); the pilot's token
 * shows every gateway complete, every lab's result, the provisional reference value with its
 * degrees of equivalence, the route and the timeline, and raises a forged record as an alarm; a
 * lab's token shows only that lab.
 * Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { loadPrivateKey, writeKeyPair } from '../../src/integrity/seal.js';
import { buildPilot, type Pilot } from '../../src/pilot/pilot.js';
import { waitFor } from '../helpers/gateway-process.js';
import { startMosquitto, type MosquittoServer } from '../helpers/servers/mosquitto.js';
import { COMPARISON, LABS, labToken, PILOT_TOKEN, pilotConfig, REFERENCE } from './helpers/config.js';
import { StreamGen, type Made } from './helpers/stream.js';

const CHROMIUM = process.env.TRAVELGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DAY = 86_400_000;
const T0 = Date.parse(REFERENCE.t0);
const READINGS = 24;

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-page-'));
const profile = mkdtempSync(join(tmpdir(), 'tg-chromium-'));
let broker: MosquittoServer;
let receiver: Pilot;
let browser: BrowserContext | undefined;
const gateways: { id: string; lab: string; last: number }[] = [];
let forgery = ''; // PTB's first acquisition with its value changed after hashing

/** One lab's visit: its declaration, arrival, settling, measuring (readings near the model), departure, sealed. */
function visit(gen: StreamGen, index: number): Made[] {
  const start = T0 + (10 + 20 * index) * DAY;
  const event = (t: number, type: string, data: Record<string, unknown>, severity: 'info' | 'warning' | 'alarm' = 'info') =>
    gen.event(t, { type, standard: 'Z1', severity, message: `Z1: ${type}`, data });
  const out: Made[] = [
    event(start, 'standard_declared', { standard: 'Z1', quantity: 'voltage', nominal: 10, unit: 'V', typeB: { u: 2e-7 + index * 1e-7, note: 'DMM calibration' } }),
  ];
  if (index > 0) {
    out.push(event(start + 1000, 'transport_alarm', { kind: 'shock', value: 6 + index, limit: 5 }, 'alarm'));
    out.push(event(start + 2000, 'standard_transition', { from: 'in_transit', to: 'settling', cause: 'operator', by: gen.lab }));
  }
  out.push(event(start + 3000, 'standard_transition', { from: 'settling', to: 'measuring', cause: 'evidence', evidence: 'settled' }));
  for (let i = 0; i < READINGS; i++) {
    const t = start + DAY + i * 3_600_000;
    const model = REFERENCE.x0 + (REFERENCE.driftPerDay * (t - T0)) / DAY;
    out.push(gen.acquisition(t, model + (index - 1) * 1e-7 + ((i % 3) - 1) * 2e-8));
  }
  if (index < LABS.length - 1) out.push(event(start + 3 * DAY, 'standard_transition', { from: 'measuring', to: 'in_transit', cause: 'operator', by: gen.lab }));
  out.push(gen.seal(start + 3 * DAY + 1000));
  return out;
}

async function signIn(page: Page, token: string): Promise<void> {
  const dialog = page.locator('#token-dialog');
  await dialog.locator('input[name=token]').waitFor({ state: 'visible' });
  await dialog.locator('input[name=token]').fill(token);
  await dialog.locator('button[value=confirm]').click();
}

beforeAll(async () => {
  broker = await startMosquitto();
  const made = LABS.map((lab, i) => {
    const id = `tg-${lab.toLowerCase()}-1`;
    const key = writeKeyPair(join(dir, `${id}.key`));
    return { id, lab, i, publicKey: key.publicKeyFile, gen: new StreamGen(id, lab, loadPrivateKey(join(dir, `${id}.key`))) };
  });
  receiver = buildPilot(pilotConfig({ brokerUrl: broker.url, dataDir: join(dir, 'pilot'), clientId: 'pilot-page', gateways: made }), { log: silentLogger() });
  await receiver.start();
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'page-test-publisher' });
  for (const m of made) {
    const records = visit(m.gen, m.i);
    if (m.lab === 'PTB') forgery = records.find((r) => r.record.kind === 'acquisition')!.json.replace(/"value":10\.\d+/, '"value":10.5');
    await client.publishAsync(`travelgate/${COMPARISON}/${m.lab}/records`, `[${records.map((r) => r.json).join(',')}]`, { qos: 1 });
    gateways.push({ id: m.id, lab: m.lab, last: m.gen.seq });
  }
  await client.endAsync();
  await waitFor('every stream verified', async () => {
    const states = await receiver.view.gateways({ role: 'pilot', name: 'test' });
    return states.every((s) => s.verifiedThrough === gateways.find((g) => g.id === s.gateway)!.last) ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.stop();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

describe("the pilot's page in a real browser", () => {
  it('shows the pilot every lab and a lab only its own data', async () => {
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1600, height: 1300 } });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(receiver.url!);

    // The pilot's token: every gateway complete, every lab's result, the reference value.
    await signIn(page, PILOT_TOKEN);
    await page.locator('#live[data-state="live"]').waitFor({ timeout: 20_000 });
    for (const g of gateways) await page.locator(`#gateways tr[data-gateway="${g.id}"][data-complete="true"]`).waitFor();
    for (const lab of LABS) await page.locator(`#results tr[data-lab="${lab}"]`).waitFor();
    await expect.poll(() => page.locator('#equivalence tbody tr').count()).toBe(LABS.length);
    expect(await page.locator('#reference').textContent()).toMatch(/provisional/);
    expect(await page.locator('#results-title + .chip').textContent()).toBe('provisional');
    expect(await page.getAttribute('#timeline-plot', 'data-points')).toBe(String(LABS.length * READINGS));
    expect(await page.locator('[data-role=now]').textContent()).toMatch(/Measuring at LNE/);
    await expect.poll(() => page.locator('#legs tbody tr').count()).toBe(2);
    expect(await page.locator('#legs tbody tr').first().textContent()).toMatch(/PTB → NPL.*7(\.0)? g/);
    expect(await page.locator('#rejected li').count()).toBe(0);
    expect(await page.locator('#banner').isHidden()).toBe(true); // nothing kept apart: no alarm
    // A forged record on PTB's topic: kept apart, and the page raises it.
    const forger = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'page-test-forger' });
    await forger.publishAsync(`travelgate/${COMPARISON}/PTB/records`, `[${forgery}]`, { qos: 1 });
    await forger.endAsync();
    await page.locator('#rejected li', { hasText: 'wrong_hash' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#banner').textContent()).toMatch(/1 record\(s\) kept apart/);
    expect(await page.locator('#gateways tr[data-gateway="tg-ptb-1"] .chip-bad').textContent()).toBe('1');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/pilot-page.png', fullPage: true });

    // A lab's token (in a fresh tab session): its own gateway and result only, no reference value.
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    await signIn(page, labToken('NPL'));
    await page.locator('#gateways tr[data-gateway="tg-npl-1"]').waitFor();
    await page.locator('#results tr[data-lab="NPL"]').waitFor();
    expect(await page.locator('#gateways tbody tr').count()).toBe(1);
    expect(await page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.locator('#equivalence').isHidden()).toBe(true);
    expect(await page.locator('#reference').textContent()).toMatch(/shown once the pilot releases/);
    expect(await page.getAttribute('#timeline-plot', 'data-points')).toBe(String(READINGS));
    expect(await page.locator('[data-role=caller]').textContent()).toMatch(/lab NPL only/);
    expect(await page.locator('#rejected li').count()).toBe(0); // PTB's forgery is PTB's business
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await page.screenshot({ path: 'test-artifacts/pilot-page-lab.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
