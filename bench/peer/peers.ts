/**
 * Each peer as its own process against a fresh simulator, measured by measure.ts:
 * - (a) the bare loop (bare-loop.ts), writing to its own database;
 * - (b) travelgate's full pipeline (the compiled `dist/src/cli.js run` with the deployed Node
 *   options, build.ts; gateway-config.ts), then the audit of what
 *   it journaled and forwarded (audit.ts);
 * and the idle footprint of the same gateway without devices, with idle Node processes for scale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/helpers/gateway-process.js';
import { auditGatewayRun, type GatewayAudit } from './audit.js';
import type { BareLoopSpec } from './bare-loop.js';
import { startSimulator, type BenchServers } from './fixtures.js';
import { writeIdleConfig, writePipelineConfig, type GatewaySetup } from './gateway-config.js';
import { measureWindow, type WindowMeasurement } from './measure.js';
import { startSeqCollector } from './mqtt-seqs.js';
import type { PeerCommands } from './build.js';
import { spawnNode } from './node-process.js';
import { RssSampler, rssBytes } from './proc-stats.js';
import { CHANNELS, FIRST_REGISTER, UNIT_ID, type Workload } from './workloads.js';

/** What names a round's databases and topics: nothing for the first, `<sep>r<n>` after it, so
 *  that a round never counts or audits an earlier round's points. */
const roundSuffix = (round: number, sep: string) => (round > 1 ? `${sep}r${round}` : '');

/** Peer (a) on `workload`: the bare loop's window (database `bare_<workload>[_r<round>]`). */
export async function runBareLoop(workload: Workload, servers: BenchServers, warmupSeconds: number, commands: PeerCommands, round = 1): Promise<WindowMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), `tg-peer-bare-${workload.name}-`));
  try {
    const sim = await startSimulator(dir, workload.devices);
    try {
      const database = `bare_${workload.name.toLowerCase()}${roundSuffix(round, '_')}`;
      const spec: BareLoopSpec = {
        influxUrl: servers.influx.url,
        database,
        intervalMs: workload.intervalMs,
        devices: sim.devices.map((d) => ({ ...d, unit: UNIT_ID })),
        firstRegister: FIRST_REGISTER,
        channels: CHANNELS.map((c) => ({ name: c.channel, scale: c.scale })),
        batchPoints: 1000,
        flushMs: 1000,
      };
      const loop = spawnNode('bare loop', [...commands.bareLoop, JSON.stringify(spec)]);
      try {
        return await measureWindow(loop, servers.influx, database, warmupSeconds, workload.windowSeconds);
      } finally {
        const code = await loop.stop();
        if (code !== 0) process.stderr.write(`bench peer: the bare loop exited with ${code}: ${loop.describe()}\n`);
      }
    } finally {
      await sim.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TravelgateRun {
  window: WindowMeasurement;
  audit: GatewayAudit;
  /** The gateway's exit code after SIGTERM (0 = a clean stop). */
  exitCode: number | null;
}

/** How long a stopping gateway may take (it gives its sinks a grace period to forward the rest). */
const STOP_GRACE_MS = 60_000;

function setupFor(name: string, dir: string, servers: BenchServers): GatewaySetup {
  return { name, dir, influxUrl: servers.influx.url, database: name.replace(/-/g, '_'), mqttUrl: servers.broker.url, topicPrefix: `peerbench-${name}` };
}

/** The gateway as deployed (build.ts), with the bench's extra flags (PEER_GATEWAY_FLAGS) in `commands`. */
function startGateway(config: string, commands: PeerCommands) {
  return spawnNode('travelgate run', [...commands.gateway, 'run', '--config', config]);
}

/** Peer (b) on `workload`: the gateway's window, then (after SIGTERM and exit) its audit (gateway,
 *  database and topics `tg-<workload>[-r<round>]`). */
export async function runTravelgate(workload: Workload, servers: BenchServers, warmupSeconds: number, commands: PeerCommands, round = 1): Promise<TravelgateRun> {
  const dir = mkdtempSync(join(tmpdir(), `tg-peer-gw-${workload.name}-`));
  try {
    const sim = await startSimulator(dir, workload.devices);
    try {
      const setup = setupFor(`tg-${workload.name.toLowerCase()}${roundSuffix(round, '-')}`, dir, servers);
      const files = writePipelineConfig(setup, workload, sim.devices);
      const platform = await startSeqCollector(servers.broker.url, setup.topicPrefix);
      try {
        const gateway = startGateway(files.config, commands);
        let window: WindowMeasurement;
        let exitCode: number | null;
        try {
          window = await measureWindow(gateway, servers.influx, setup.database, warmupSeconds, workload.windowSeconds);
        } finally {
          exitCode = await gateway.stop(STOP_GRACE_MS);
        }
        if (exitCode !== 0) process.stderr.write(`bench peer: the gateway exited with ${exitCode}: ${gateway.describe()}\n`);
        const audit = await auditGatewayRun(files, servers.influx, setup.database, platform);
        return { window, audit, exitCode };
      } finally {
        await platform.close();
      }
    } finally {
      await sim.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The idle gateway's resident memory: where it settles, and its largest sample on the way. */
export interface IdleRss {
  /** RSS `settleSeconds` after the first record reached InfluxDB, bytes. */
  settled: number;
  /** The largest once-a-second sample from start to then (start-up: parsing, first GCs), bytes. */
  startPeak: number;
}

/**
 * RSS of a gateway with the same API, journal, integrity and sinks but no devices, standards or
 * simulators, `settleSeconds` after its first record (gateway_started) reached InfluxDB: what a box
 * sits at, after V8's first idle-time GCs (about 8 s after start) have returned the start-up's
 * transient memory.
 */
export async function idleGatewayRss(servers: BenchServers, settleSeconds: number, commands: PeerCommands): Promise<IdleRss> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-peer-idle-'));
  try {
    const setup = setupFor('tg-idle', dir, servers);
    const gateway = startGateway(writeIdleConfig(setup).config, commands);
    const rss = new RssSampler(gateway.pid);
    try {
      await waitFor(
        'the idle gateway\'s first record in InfluxDB',
        async () => {
          if (!gateway.running()) throw new Error(`exited: ${gateway.describe()}`);
          return (await servers.influx.query(setup.database, 'SHOW MEASUREMENTS').catch(() => [])).length > 0 ? true : undefined;
        },
        60_000,
        200,
      );
      await new Promise((r) => setTimeout(r, settleSeconds * 1000));
      const startPeak = rss.stop(); // its last sample is the settled one
      return { settled: rss.last, startPeak };
    } finally {
      rss.stop();
      await gateway.stop(STOP_GRACE_MS);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For scale: RSS of a Node process that does nothing, plain and with the gateway's Node options. */
export async function nodeBaselineRss(settleSeconds: number, commands: PeerCommands): Promise<{ plain: number; withOptions: number }> {
  const idleRss = async (name: string, args: string[]) => {
    const idle = spawnNode(name, [...args, '-e', 'setInterval(() => {}, 60_000)']);
    try {
      await new Promise((r) => setTimeout(r, (settleSeconds + 1) * 1000));
      return rssBytes(idle.pid);
    } finally {
      await idle.stop(5000);
    }
  };
  return { plain: await idleRss('node', []), withOptions: await idleRss('node + options', commands.nodeOptions) };
}
