/**
 * One pilot receiver for the benchmark, as a child process: `buildPilot` on the configuration file
 * it is given, reporting every move of a gateway's verifiedThrough to the parent
 * (`{ items: [gateway, from, to, t][] }`, t when the batch committed) and its own CPU time on 'cpu'.
 * Stops cleanly on 'stop' (a --cpu-prof profile is written on that exit).
 */
import { loadPilotConfig } from '../../src/pilot/config.js';
import { buildPilot } from '../../src/pilot/pilot.js';
import { silentLogger } from '../../src/core/logger.js';

const [file] = process.argv.slice(2);
const loaded = loadPilotConfig(file!);
if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
const receiver = buildPilot(loaded.config, {
  log: silentLogger(),
  onBatch: (outcome, at) => {
    if (outcome.advanced.length > 0) process.send!({ items: outcome.advanced.map((a) => [a.gateway, a.from, a.to, at]) });
  },
});
await receiver.start();
process.send!('ready');
process.on('message', (m) => {
  if (m === 'cpu') {
    const c = process.cpuUsage();
    process.send!({ cpu: (c.user + c.system) / 1e6 });
  } else if (m === 'stop') {
    void receiver.stop().then(() => process.exit(0));
  }
});
