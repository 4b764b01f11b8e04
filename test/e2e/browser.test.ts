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

  it('shows the devices, plots readings as they arrive, refuses an operator action without a token, and shows a stopped gateway as lost', async () => {
    gw = await startGatewayProcess('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir, TRAVELGATE_API_TOKEN: TOKEN });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1600, height: 1200 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    let stopped = false;
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // The 401 of the refused action is expected, and so are failed requests once the gateway is
      // stopped; anything else (a CSP violation, a failed module) is not.
      if (m.type() !== 'error' || /status of 401/.test(m.text())) return;
      if (stopped && /ERR_CONNECTION_REFUSED|Failed to (load resource|fetch)|net::/.test(m.text())) return;
      pageErrors.push(m.text());
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

    // The plots a metrologist reads: the legend tells verified, unverified and flagged readings
    // apart; the CUSUM limit is shown; E_b says why it is not judged yet; the whole stay is a range.
    const legend = await page.locator('#value-plot .u-legend').textContent();
    for (const label of ['verified', 'not verified', 'flagged', 'reference ŷ_ref', 'lab drift fit']) expect(legend).toContain(label);
    expect(await page.locator('#value-legend').textContent()).toMatch(/verified.*not verified.*flagged/s);
    await expect.poll(() => page.locator('.standard [data-role=cusum-limit]').first().textContent(), { timeout: 10_000 }).toMatch(/limit h = 12/);
    expect(await page.locator('.standard [data-figure="E_b (drift rate)"]').first().getAttribute('title')).toMatch(/^E_b is not judged|^\|b/);
    await page.selectOption('#range', 'all');
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#value-history').textContent(), { timeout: 20_000 }).toMatch(/readings/);
    await expect.poll(async () => Number((await page.getAttribute('#adev-plot', 'data-points')) ?? 0), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect(page.locator('#csv-export')).toBeDefined();

    await page.screenshot({ path: 'test-artifacts/status-page.png', fullPage: true });
    expect(pageErrors).toEqual([]);

    // The gateway stops: the page says so everywhere instead of showing its last state as current.
    const device = page.locator('#devices tr[data-device="dmm-1"]');
    stopped = true;
    expect(await gw.stop()).toBe(0);
    await page.locator('#banner[data-role=lost]').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#banner').textContent()).toMatch(/The gateway has not answered since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC .*values are greyed, ages keep growing/);
    expect(await page.locator('body').getAttribute('class')).toContain('gateway-lost');
    await expect.poll(() => device.locator('.chip').first().getAttribute('data-state'), { timeout: 10_000 }).toBe('unknown');
    expect(await device.locator('.chip').first().textContent()).toMatch(/^no contact/);
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 }).not.toBe('live');
    // Ages keep growing while nothing answers.
    const age = device.locator('[data-since]');
    const before = await age.textContent();
    await expect.poll(() => age.textContent(), { timeout: 10_000 }).not.toBe(before);
    await page.screenshot({ path: 'test-artifacts/status-page-gateway-lost.png', fullPage: true });
    expect(pageErrors).toEqual([]);
    await browser.close();
    browser = undefined;
  }, 150_000);
});
