// What a --trace-gc-nvp log says about a process's collections, past its warm-up.
//
//   PEER_LOG_DIR=/tmp/logs PEER_GATEWAY_FLAGS=--trace-gc-nvp npm run bench -- peer --workload W1 --seconds 15
//   node bench/peer/gc-trace-summary.mjs /tmp/logs/travelgate-run-<pid>.log [polls per second]
//
// Leaves out the first 40 % of the collections (start-up and warm-up), then prints per second:
// bytes allocated (V8's count between collections, large objects included), young-generation
// collections and their pause, bytes promoted to the old generation, full collections and their
// pause; with the poll rate (the bench's values/s ÷ channels), the same per poll.
import { readFileSync } from 'node:fs';

const [file, rateText] = process.argv.slice(2);
if (!file) {
  console.error('usage: gc-trace-summary.mjs <trace log> [polls per second]');
  process.exit(2);
}
const entries = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.includes(' gc=')) continue;
  const at = /\s([\d.]+) ms: /.exec(line);
  const fields = Object.fromEntries([...line.matchAll(/(\w[\w.]*)=([^\s]+)/g)].map((m) => [m[1], m[2]]));
  if (at) entries.push({ ms: Number(at[1]), kind: fields.gc, pause: Number(fields.pause), allocated: Number(fields.allocated ?? 0), promoted: Number(fields.promoted ?? 0) });
}
const kept = entries.slice(Math.floor(entries.length * 0.4));
if (kept.length < 2) {
  console.error(`${file}: not enough collections traced (${entries.length})`);
  process.exit(1);
}
const seconds = (kept[kept.length - 1].ms - kept[0].ms) / 1000;
const sum = (list, key) => list.reduce((a, e) => a + e[key], 0);
const young = kept.slice(1).filter((e) => e.kind === 's');
const full = kept.slice(1).filter((e) => e.kind !== 's');
const allocated = sum(kept.slice(1), 'allocated');
const promoted = sum(young, 'promoted');
const MiB = 1024 * 1024;
console.log(`over ${seconds.toFixed(1)} s: allocated ${(allocated / seconds / MiB).toFixed(1)} MiB/s; young collections ${(young.length / seconds).toFixed(0)}/s, pause ${(sum(young, 'pause') / seconds).toFixed(1)} ms/s, promoted ${(promoted / seconds / MiB).toFixed(1)} MiB/s; full collections ${(full.length / seconds).toFixed(2)}/s, pause ${(sum(full, 'pause') / seconds).toFixed(1)} ms/s`);
const rate = Number(rateText);
if (rate > 0) console.log(`per poll at ${rate}/s: allocated ${(allocated / seconds / rate / 1024).toFixed(1)} KiB, promoted ${(promoted / seconds / rate / 1024).toFixed(2)} KiB`);
