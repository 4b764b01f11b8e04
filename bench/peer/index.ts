/**
 * `npm run bench -- peer [--seconds N] [--workload W1|W2] [--rounds N]`: travelgate's full pipeline
 * next to a bare Modbus-to-InfluxDB loop, on the same machine, simulator and servers, one after the
 * other. Opt-in (it takes minutes): bench/index.ts runs it only when `peer` is named. See README.md.
 *
 * Order: servers up; per workload and round the bare loop and the gateway (each with a fresh
 * simulator process, its own database, nothing else running), the bare loop first in odd rounds
 * and second in even ones, so that a machine drifting during a run weighs on both peers alike;
 * then the idle gateway. Everything started is stopped and every temporary folder removed, also
 * when a step fails.
 * Run directly: `node --import tsx bench/peer/index.ts [--seconds N]`.
 */
import { pathToFileURL } from 'node:url';
import type { BenchResult } from '../types.js';
import { preparePeers } from './build.js';
import { withServers } from './fixtures.js';
import { parsePeerOptions } from './options.js';
import type { WindowMeasurement } from './measure.js';
import { idleGatewayRss, nodeBaselineRss, runBareLoop, runTravelgate, type TravelgateRun } from './peers.js';
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
      for (let round = 1; round <= options.rounds; round++) {
        const of = options.rounds > 1 ? ` round ${round} of ${options.rounds}` : '';
        const bare = async () => {
          say(`${workload.name} (${workload.description})${of}: bare loop…`);
          return runBareLoop(workload, servers, options.warmupSeconds, commands, round);
        };
        const travelgate = async () => {
          say(`${workload.name} (${workload.description})${of}: travelgate…`);
          return runTravelgate(workload, servers, options.warmupSeconds, commands, round);
        };
        let b: WindowMeasurement;
        let t: TravelgateRun;
        if (round % 2 === 1) {
          b = await bare();
          t = await travelgate();
        } else {
          t = await travelgate();
          b = await bare();
        }
        workloads.push({ workload, round, bare: b, travelgate: t });
      }
    }
    say('idle gateway…');
    const idleRss = await idleGatewayRss(servers, options.idleSettleSeconds, commands);
    const nodeRssBytes = await nodeBaselineRss(NODE_BASELINE_SETTLE_SECONDS, commands);
    return { workloads, rounds: options.rounds, idleRss, idleSettleSeconds: options.idleSettleSeconds, nodeRssBytes, nodeOptions: commands.nodeOptions };
  });
  console.log(`\n${formatTable(results)}\n`);
  return benchRows(results);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchPeer());
}
