/**
 * Child process for test/integration/journal-kill.test.ts: appends acquisitions to the journal at
 * argv[2] from several concurrent loops, forever, and prints "<seq> <value>" for each append once
 * it is acknowledged (its promise resolved). The parent SIGKILLs it mid-write.
 * stdout is a pipe, and pipe writes are synchronous in Node on Linux: a printed ack is never lost.
 */
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';

const path = process.argv[2];
if (!path) throw new Error('usage: journal-writer.ts <journal path>');
const LOOPS = 8;

const journal = Journal.open({ path, gateway: 'gw-kill', lab: 'LAB', clock: systemClock, commitIntervalMs: 2, log: silentLogger() });

async function loop(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const value = id * 1_000_000 + n;
    const r = await journal.appendAcquisition({
      device: `dev${id}`,
      time: Date.now(),
      clock: 'unknown',
      channels: { ch1: { quantity: 'voltage', value, unit: 'V' } },
    });
    process.stdout.write(`${r.seq} ${value}\n`);
  }
}

for (let id = 0; id < LOOPS; id++) void loop(id);
