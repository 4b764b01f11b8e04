/**
 * A third-party SCPI instrument through a whole gateway (issue 13): it knows *IDN?, SYST:ERR? and
 * MEAS:VOLT:DC?, but not READ?, which it answers with nothing but `-113,"Undefined header"` in its
 * error queue. A `scpi` device without a preset must not be set up as a Keysight 34465A, and the
 * instrument's own error, read from the queue right after the timeout (before a reconnect's *CLS
 * could empty it), must be the device's lastError in the status API and in the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { registry } from '../../src/registry.js';
import { lineSimulator } from '../../simulators/shared/line-simulator.js';
import { textWritable } from '../helpers/text-writable.js';
import { waitFor } from '../contract/harness.js';

const configured: string[] = [];

/** The third-party instrument, on the shared simulated line device. */
const thirdParty = lineSimulator({
  kind: 'acme-scpi',
  description: 'a SCPI voltmeter that has no READ?',
  identity: { manufacturer: 'ACME', model: 'V1', serial: 'S1', firmware: '1.0' },
  options: {},
  settings: () => ({}),
  commands: [
    ['MEASure[:VOLTage][:DC]?', (ctx) => ctx.reading(1.5)],
    ['CONFigure[:VOLTage][:DC]', (_ctx, args) => void configured.push(`CONF ${args}`)],
  ],
  format: (v) => v.toExponential(8),
  overload: 9.9e37,
});

const dir = mkdtempSync(join(tmpdir(), 'tg-scpi-113-'));
let gateway: Gateway | undefined;

afterAll(async () => {
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = `
gateway: { id: gw-113, lab: TEST, dataDir: "${dir}" }
api: { port: 0 }
journal: { commitInterval: 5ms }
simulators:
  - { id: acme, kind: acme-scpi, listen: { tcp: { port: 0 } } }
links:
  - { id: acme-lan, type: tcp, simulator: acme, reconnect: { initial: 20ms, max: 100ms } }
devices:
  - { id: voltmeter, driver: scpi, link: acme-lan, interval: 50ms, timeout: 200ms }
`;

interface DeviceStatus {
  id: string;
  state: string;
  lastError: string | null;
  errorsByCode: Record<string, number>;
  identity: { manufacturer: string } | null;
}

describe('a SCPI instrument that answers -113 to READ?', () => {
  it("shows the instrument's own error as the device's lastError, in status and log, and is not set up as a 34465A", async () => {
    const withAcme = { drivers: registry.drivers, simulators: [...registry.simulators, thirdParty] };
    const parsed = parseConfig(CONFIG, withAcme, {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const log = textWritable();
    gateway = buildGateway(parsed.config, { registry: withAcme, log: createLogger({ level: 'info', destination: log }) });
    await gateway.start();

    let device: DeviceStatus | undefined;
    await waitFor(
      'the device to fault with the instrument error',
      async () => {
        const status = (await (await fetch(`${gateway!.url}/api/v1/status`)).json()) as { devices: DeviceStatus[] };
        device = status.devices.find((d) => d.id === 'voltmeter');
        // Each cycle counts the drained `SCPI_-113` first, then fails with TG_DEVICE_ERROR naming
        // it: a status read between the two sees the first; the fault is the second.
        return /^TG_DEVICE_ERROR: /.test(device?.lastError ?? '') && /faulted/.test(log.text);
      },
      15_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(device)}\n${log.text.slice(-3000)}`);
    });
    expect(device!.identity?.manufacturer).toBe('ACME');
    expect(device!.lastError).toMatch(/^TG_DEVICE_ERROR: .*-113,"Undefined header"/);
    expect(device!.errorsByCode['SCPI_-113']).toBeGreaterThanOrEqual(1);
    const faulted = log.text.split('\n').find((line) => line.includes('faulted'));
    expect(faulted).toContain('-113');
    // No preset named: nothing of the Keysight setup reached the instrument.
    expect(configured).toEqual([]);
  });
});
