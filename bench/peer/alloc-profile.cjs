// Where a process allocates, garbage included: a preload for the gateway under the peer bench.
//
//   PEER_GATEWAY_FLAGS="--require ./bench/peer/alloc-profile.cjs" npm run bench -- peer --workload W1
//
// V8's sampling heap profiler, started ALLOC_PROFILE_FROM seconds after start (default 12, past the
// warm-up) for ALLOC_PROFILE_SECONDS (default 8), keeping the objects that minor and major
// collections freed (Node's --heap-prof keeps only what is still alive at the end, which misses
// the short-lived garbage that costs the young generation's collections). Writes
// ALLOC_PROFILE_DIR (default the working directory)/alloc-<pid>.heapprofile, which Chrome
// DevTools opens (Memory, Load) as a bottom-up and top-down view by allocating function.
// ALLOC_PROFILE_YOUNG_GARBAGE=0 leaves out what young-generation collections freed: what remains
// is what survived them, i.e. what was promoted to the old generation (and what it cost to copy).
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const from = Number(process.env.ALLOC_PROFILE_FROM ?? 12) * 1000;
const span = Number(process.env.ALLOC_PROFILE_SECONDS ?? 8) * 1000;
const out = join(process.env.ALLOC_PROFILE_DIR ?? process.cwd(), `alloc-${process.pid}.heapprofile`);
const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));

setTimeout(async () => {
  try {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: process.env.ALLOC_PROFILE_YOUNG_GARBAGE !== '0', includeObjectsCollectedByMajorGC: true });
    await new Promise((resolve) => setTimeout(resolve, span).unref());
    const { profile } = await post('HeapProfiler.stopSampling');
    writeFileSync(out, JSON.stringify(profile));
    process.stderr.write(`alloc-profile: wrote ${out}\n`);
  } catch (err) {
    process.stderr.write(`alloc-profile: ${err}\n`);
  }
}, from).unref();
