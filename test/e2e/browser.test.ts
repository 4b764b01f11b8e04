import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';

/** Debian's chromium (scripts/ensure-system-deps.mjs installs it), headless with its own empty profile. */
const CHROMIUM = process.env.TRAVELGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'browser-test-operator-token-5e1f';

describe('the status page in a real browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'tg-chromium-'));
  let gw: GatewayProcess | undefined;
  let browser: BrowserContext | undefined;
  afterAll(async () => {
    await browser?.close();
    await gw?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('shows the devices, plots readings as they arrive, and refuses an operator action without a token', async () => {
    gw = await startGatewayProcess('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir, TRAVELGATE_API_TOKEN: TOKEN });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1600, height: 1200 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // The 401 of the refused action is expected; anything else (a CSP violation, a failed module) is not.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) pageErrors.push(m.text());
    });

    await page.goto(gw.url);

    // The devices of the demo, each in its row, connected.
    for (const id of ['dmm-1', 'ptu-1']) {
      await page.locator(`#devices tr[data-device="${id}"] .chip`, { hasText: 'connected' }).waitFor({ timeout: 20_000 });
    }
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');

    // The standard's plot gains points as readings arrive over the event stream.
    const points = async () => Number((await page.getAttribute('#value-plot', 'data-points')) ?? 0);
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = await points();
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(first);
    await expect.poll(() => page.locator('#env-plots .env-plot').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    // An operator action without a token: the gateway answers 401 and the page says so.
    const card = page.locator('.standard').first();
    await card.waitFor();
    const action = card.locator('.actions button:enabled').first();
    await action.click();
    const dialog = page.locator('#action-dialog');
    await dialog.locator('input[name=token]').fill('');
    await dialog.locator('button[value=confirm]').click();
    const error = dialog.locator('[data-role=error]');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain('401');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/status-page-refused.png' });

    // With the operator's token the same action is recorded.
    await dialog.locator('input[name=token]').fill(TOKEN);
    await dialog.locator('input[name=note]').fill('browser test');
    await dialog.locator('button[value=confirm]').click();
    await page.locator('.toast', { hasText: 'Recorded' }).waitFor({ timeout: 10_000 });
    await page.locator('#timeline li[data-type="standard_transition"]', { hasText: 'browser test' }).first().waitFor({ timeout: 10_000 });

    await page.screenshot({ path: 'test-artifacts/status-page.png', fullPage: true });
    expect(pageErrors).toEqual([]);
    await browser.close();
    browser = undefined;
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});
