import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../helpers/gateway-process.js';

interface Status {
  devices: { id: string; state: string; readings: number }[];
  journal: { records: number; lastSeq: number };
}

describe('npm start: the demo on simulated instruments', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-demo-'));
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('becomes ready with connected devices whose readings grow, measures within two minutes, and stops cleanly on SIGTERM', async () => {
    gw = await startGatewayProcess('config/demo.yaml', { TRAVELGATE_DATA_DIR: dataDir });
    await waitFor('readyz 200', async () => ((await fetch(`${gw!.url}/readyz`)).status === 200 ? true : undefined), 10_000);

    const status = async () => (await (await fetch(`${gw!.url}/api/v1/status`)).json()) as Status;
    const first = await waitFor('two connected devices with readings', async () => {
      const s = await status();
      const live = s.devices.filter((d) => d.state === 'connected' && d.readings > 0);
      return live.length >= 2 ? s : undefined;
    });
    // Reading counts move at acquisition, the journal's last seq at the group commit
    // (journal.commitInterval, 1 s by default): wait for both.
    const later = await waitFor('reading counts and the journal to grow', async () => {
      const s = await status();
      const grown = s.devices.filter((d) => d.readings > (first.devices.find((f) => f.id === d.id)?.readings ?? 0));
      return grown.length >= 2 && s.journal.lastSeq > first.journal.lastSeq ? s : undefined;
    });

    const readings = (await (await fetch(`${gw.url}/api/v1/readings?device=dmm-1&limit=5`)).json()) as {
      readings: { value: number; unit: string }[];
    };
    expect(readings.readings.length).toBeGreaterThan(0);
    expect(readings.readings[0]!.unit).toBe('V');
    expect(Math.abs(readings.readings[0]!.value - 10)).toBeLessThan(1e-3);

    // The demo's standard starts on the bench, settles and measures within the first two minutes,
    // and the log says so (lifecycle transitions at info).
    const measuring = await waitFor(
      'the standard measuring',
      async () => {
        const s = (await (await fetch(`${gw!.url}/api/v1/standards`)).json()) as { standards: { state: string; settled: boolean }[] };
        return s.standards[0]?.state === 'measuring' ? s.standards[0] : undefined;
      },
      120_000,
      500,
    );
    expect(measuring.settled).toBe(true);
    await waitFor('the transition in the log', async () => (gw!.output.some((l) => /"msg":"zener-732b-1234: settling -> measuring on evidence: settled"/.test(l)) ? true : undefined));

    expect(await gw.stop()).toBe(0);
    expect(gw.output.some((l) => l.includes('travelgate stopped'))).toBe(true);
    // Not a terminal: the token made at start is not shown (the log only says one was made).
    expect(gw.output.some((l) => /operator: \S{20,}/.test(l))).toBe(false);
    expect(gw.output.some((l) => l.includes('an operator token was made for this run'))).toBe(true);
  }, 180_000);
});
