/**
 * `npm run bench -- peer [--seconds N] [--workload W1|W2]`: travelgate's full pipeline next to a
 * bare Modbus-to-InfluxDB loop, on the same machine, simulator and servers, one after the other.
 * Opt-in (it takes minutes): bench/index.ts runs it only when `peer` is named. See README.md.
 *
 * Order: servers up; per workload the bare loop, then the gateway (each with a fresh simulator
 * process, its own database, nothing else running); then the idle gateway. Everything started is
 * stopped and every temporary folder removed, also when a step fails.
 * Run directly: `node --import tsx bench/peer/index.ts [--seconds N]`.
 */
import { pathToFileURL } from 'node:url';
import type { BenchResult } from '../types.js';
import { preparePeers } from './build.js';
import { withServers } from './fixtures.js';
import { parsePeerOptions } from './options.js';
import { idleGatewayRss, nodeBaselineRss, runBareLoop, runTravelgate } from './peers.js';
import { benchRows, formatTable, type WorkloadResult } from './report.js';

/** An idle Node process's RSS is flat after a second or two. */
const NODE_BASELINE_SETTLE_SECONDS = 4;
const say = (text: string) => process.stderr.write(`bench peer: ${text}\n`);

export async function benchPeer(argv: readonly string[] = process.argv.slice(2)): Promise<BenchResult[]> {
  const options = parsePeerOptions(argv, process.env);
  say('building the gateway and the bare loop…');
  const commands = preparePeers(options.gatewayFlags, options.bareFlags, options.gatewayCli);
  const results = await withServers(async (servers) => {
    const workloads: WorkloadResult[] = [];
    for (const workload of options.workloads) {
      say(`${workload.name} (${workload.description}): bare loop…`);
      const bare = await runBareLoop(workload, servers, options.warmupSeconds, commands);
      say(`${workload.name}: travelgate…`);
      const travelgate = await runTravelgate(workload, servers, options.warmupSeconds, commands);
      workloads.push({ workload, bare, travelgate });
    }
    say('idle gateway…');
    const idleRss = await idleGatewayRss(servers, options.idleSettleSeconds, commands);
    const nodeRssBytes = await nodeBaselineRss(NODE_BASELINE_SETTLE_SECONDS, commands);
    return { workloads, idleRss, idleSettleSeconds: options.idleSettleSeconds, nodeRssBytes, nodeOptions: commands.nodeOptions };
  });
  console.log(`\n${formatTable(results)}\n`);
  return benchRows(results);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchPeer());
}
