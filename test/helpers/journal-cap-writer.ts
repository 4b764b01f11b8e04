/**
 * Child process for test/integration/journal-cap-kill.test.ts: appends acquisitions to a journal
 * at argv[2] with a small cap under drop_oldest (argv[3] bytes, default 1 MB), forever, and prints
 * "<seq> <value>" for each acknowledged append. The parent SIGKILLs it at arbitrary points: in the
 * middle of commits, of the cap's deletes, of checkpoints.
 */
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';

const path = process.argv[2];
if (!path) throw new Error('usage: journal-cap-writer.ts <journal path> [cap bytes]');
const cap = Number(process.argv[3] ?? 1_000_000);
const LOOPS = 4;
const start = Number(process.argv[4] ?? 0);

const journal = Journal.open({
  path,
  gateway: 'gw-cap-kill',
  lab: 'LAB',
  clock: systemClock,
  commitIntervalMs: 2,
  log: silentLogger(),
  maxSizeBytes: cap,
  fullPolicy: 'drop_oldest',
});

async function loop(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const value = start + id * 1_000_000 + n;
    const r = await journal.appendAcquisition({
      device: `dev${id}`,
      time: Date.now(),
      clock: 'unknown',
      channels: { ch1: { quantity: 'voltage', value, unit: 'V', extra: { pad: 'x'.repeat(400) } } },
    });
    process.stdout.write(`${r.seq} ${value}\n`);
  }
}

for (let id = 0; id < LOOPS; id++) void loop(id);
