/**
 * `npm run bench`: every benchmark, one table. Timing goals live here, never in tests.
 * Each entry is a module exporting an async function that returns rows of { name, value, unit }.
 */
import type { BenchResult } from './types.js';
import { benchJournal } from './journal.js';
import { benchGateway } from './gateway.js';
import { benchModbus } from './modbus.js';
import { benchChecks } from './checks.js';
import { benchPipeline } from './pipeline.js';
import { benchIntegrity } from './integrity.js';
import { benchSinks } from './sinks.js';

const suites: [string, () => Promise<BenchResult[]>][] = [
  ['journal', benchJournal],
  ['gateway', benchGateway],
  ['modbus', benchModbus],
  ['checks', benchChecks],
  ['pipeline', benchPipeline],
  ['integrity', benchIntegrity],
  ['sinks', benchSinks],
  ...(process.argv.slice(2).includes('pilot') ? [['pilot', () => import('./pilot/index.js').then((m) => m.benchPilot())] as [string, () => Promise<BenchResult[]>]] : []), // opt-in: a minute or two
  ...(process.argv.slice(2).includes('peer') ? [['peer', () => import('./peer/index.js').then((m) => m.benchPeer())] as [string, () => Promise<BenchResult[]>]] : []), // opt-in: minutes long, only when named
  // opt-in: `soak [--minutes N] [--every S]`, the demo with both sinks for N minutes (default 3)
  ...(process.argv.slice(2).includes('soak') ? [['soak', () => import('./soak.js').then((m) => m.benchSoak())] as [string, () => Promise<BenchResult[]>]] : []),
];

const only = process.argv.slice(2);
const rows: (BenchResult & { suite: string })[] = [];
for (const [suite, run] of suites) {
  if (only.length > 0 && !only.includes(suite)) continue;
  process.stderr.write(`bench: ${suite}...\n`);
  for (const r of await run()) rows.push({ suite, ...r });
}
console.table(rows.map((r) => ({ suite: r.suite, benchmark: r.name, value: r.value, unit: r.unit })));
