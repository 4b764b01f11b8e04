import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { hashRecord } from '../../src/integrity/index.js';
import { simulatedDmmsYaml } from '../helpers/gateway-config.js';
import { startGatewayProcess, waitFor } from '../helpers/gateway-process.js';

/** Two fast instruments so that the journal is committing all the time when the kill comes. */
const CONFIG = `
gateway: { id: tg-kill, lab: TEST, dataDir: "\${TRAVELGATE_DATA_DIR}" }
api: { port: "\${TRAVELGATE_API_PORT}" }
log: { level: info }
journal: { commitInterval: 5ms }
${simulatedDmmsYaml(2, '5ms')}`;

/** Seqs of the acknowledged (journaled) acquisitions the API lists, each once (an acquisition of
 *  several channels is several readings with one seq). */
async function ackedSeqs(url: string): Promise<number[]> {
  const body = (await (await fetch(`${url}/api/v1/readings?limit=10000`)).json()) as { readings: { seq: number }[] };
  return [...new Set(body.readings.map((r) => r.seq))];
}

describe('a gateway killed with SIGKILL while writing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-kill-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, CONFIG);
  const env = { TRAVELGATE_DATA_DIR: join(dir, 'data') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts with every acknowledged acquisition exactly once, no gap, and an intact chain', async () => {
    const first = await startGatewayProcess(config, env);
    const acked = await waitFor('300 acknowledged acquisitions', async () => {
      const seqs = await ackedSeqs(first.url);
      return seqs.length >= 300 ? seqs : undefined;
    });
    await first.kill(); // mid-write: both devices commit every few milliseconds

    const second = await startGatewayProcess(config, env);
    await waitFor('new acquisitions after the restart', async () => {
      const seqs = await ackedSeqs(second.url);
      return seqs.length > acked.length ? true : undefined;
    });
    expect(await second.stop()).toBe(0);

    const journal = Journal.open({
      path: join(env.TRAVELGATE_DATA_DIR, 'journal.sqlite'),
      gateway: 'tg-kill',
      lab: 'TEST',
      clock: systemClock,
      commitIntervalMs: 5,
      log: silentLogger(),
    });
    try {
      const all = journal.range(1, 1_000_000);
      const seqs = all.map((r) => r.seq);
      expect(seqs[0]).toBe(1);
      expect(seqs.every((s, i) => s === i + 1)).toBe(true); // gap-free and each once
      const present = new Set(seqs);
      expect(acked.filter((s) => !present.has(s))).toEqual([]);
      for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
      for (const r of all) {
        const { hash, ...unhashed } = r;
        expect(hashRecord(unhashed)).toBe(hash);
      }
      expect(all.some((r) => r.kind === 'event' && r.event.type === 'gateway_started' && r.seq > Math.max(...acked))).toBe(true);
      // What the API listed as readings are acquisition records of the journal.
      expect(acked.every((s) => all[s - 1]!.kind === 'acquisition')).toBe(true);
    } finally {
      await journal.close();
    }
  });
});
