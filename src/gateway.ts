import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import type { Acquisition, GatewayEvent } from './core/types.js';
import type { Config, Registry } from './config/schema.js';
import { createLink } from './links/create.js';
import type { Link } from './links/types.js';
import { DeviceLoops } from './acquisition/device-loops.js';
import { Journal } from './journal/journal.js';
import { scheduleRetention } from './journal/retention.js';
import { configuredSinkNames, createSinkRunners, SINK_NAMES, type SinkRunner } from './sinks/index.js';
import { ClockSyncMonitor } from './core/clock-sync.js';
import { ClockStepDetector } from './core/clock-step.js';
import { loadSealKey } from './integrity/key-file.js';
import { Sealer } from './integrity/sealer.js';
import { buildApi } from './api/server.js';
import { announceGeneratedTokens, apiSetup } from './api/setup.js';
import type { SecretSet } from './core/secrets.js';
import { CheckEngine, CheckPipeline, CheckpointFile, declarationEvents, detail, summaries } from './checks/index.js';
import type { CommitSubscriber, GatewayView } from './api/view.js';
import type { SimulatorHost } from '../simulators/host.js';
import { VERSION } from './version.js';
import { acquireInstanceLock } from './core/instance-lock.js';
import { journalEventLog } from './core/log/journal-events.js';
import { SinkWatch } from './sinks/sink-watch.js';
import { SqliteSeries } from './api/series.js';

/** How long a stopping gateway lets a healthy sink forward its last records. */
const SINK_STOP_GRACE_MS = 2000;

export interface GatewayDeps {
  registry: Registry;
  log: Logger;
  clock?: Clock;
  /** The configuration's secrets (the logger scrubs them); tokens generated at start join it. */
  secrets?: SecretSet;
  /** Where a token generated at start is shown once (default: stderr, not the log). */
  announce?: (text: string) => void;
}

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The API's address once listening, e.g. http://127.0.0.1:8080 */
  readonly url: string | undefined;
  readonly view: GatewayView;
}

/**
 * Wiring only: builds the parts of a gateway from its configuration and starts and stops them in
 * order. Data flows one way: links -> drivers -> acquisition -> journal; the API only reads.
 */
export function buildGateway(config: Config, deps: GatewayDeps): Gateway {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const links = new Map<string, Link>();
  // Loaded only for a configuration with simulators (the demo, tests): a lab's gateway never loads them.
  let simulators: SimulatorHost | undefined;
  let journal: Journal | undefined;
  let sealer: Sealer | undefined;
  const clockSync = new ClockSyncMonitor({ log: log.child({ component: 'clock' }) });
  const clockStep = new ClockStepDetector(clock);
  let loops: DeviceLoops | undefined;
  // Each sink drains the journal on its own; started before acquisition, stopped after it.
  let sinkRunners: SinkRunner[] = [];
  let stopRetention: (() => void) | undefined;
  // The checks sit between acquisition and the journal; their state is rebuilt from the journal.
  const engine = new CheckEngine(config.standards ?? []);
  let checks: CheckPipeline | undefined;
  const notReady = async () => ({ ok: false as const, code: 'not_ready' as const, message: 'the journal is not open yet' });
  let api: FastifyInstance | undefined;
  let url: string | undefined;
  let ready = false;
  const startedAt = new Date(clock.now()).toISOString();
  const journalPath = config.journal.path ?? join(config.gateway.dataDir, 'journal.sqlite');
  let releaseLock: (() => void) | undefined;
  // The history plot's and the CSV export's reader: its own read-only connection, opened on first use.
  const series = journalPath === ':memory:' ? undefined : new SqliteSeries(journalPath);
  let sinkWatchTimer: NodeJS.Timeout | undefined;
  // The API's event stream and metrics listen to committed records through the view.
  const commitListeners = new Set<CommitSubscriber>();

  const view: GatewayView = {
    info: () => ({
      gateway: config.gateway.id,
      lab: config.gateway.lab,
      ...(config.gateway.comparison ? { comparison: config.gateway.comparison } : {}),
      version: VERSION,
      startedAt,
    }),
    isReady: () => ready,
    devices: () => loops?.devices() ?? [],
    links: () => [...links.values()].map((l) => l.status()),
    journal: () => journal,
    subscribe: (listener) => {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    sinks: () => sinkRunners.map((r) => r.status()),
    series: () => (journal && ready ? series : undefined),
    standards: () => summaries(engine),
    standard: (id) => detail(engine, id),
    transition: (id, to, note, by) => (checks ? checks.transition(id, to, note, by) : notReady()),
    resolveAlarms: (id, note, by) => (checks ? checks.resolveAlarms(id, note, by) : notReady()),
  };

  const output = {
    acquisition: (a: Acquisition) => checks!.acquisition(a),
    event: async (e: GatewayEvent) => {
      await journal!.appendEvent(e);
    },
    // The disk cap's policy `stop`: devices poll nothing while the journal is full.
    paused: () => journal?.acquisitionPaused ?? false,
    resumed: () => journal?.whenAdmitting() ?? Promise.resolve(),
    refused: () => journal?.refusedWhilePaused(),
  };

  async function start(): Promise<void> {
    // Before anything else: a second gateway on this journal stops here, before touching it.
    if (journalPath !== ':memory:') releaseLock = acquireInstanceLock(`${journalPath}.lock`);
    const sealKey = loadSealKey(config, log); // next: a missing key must stop the start early
    const apiConfig = apiSetup(config, deps.secrets);
    api = buildApi(view, log, apiConfig.options);
    url = await api.listen({ host: config.api.host, port: config.api.port });
    log.info({ url }, 'status API listening');
    announceGeneratedTokens(apiConfig.generated, url, deps.announce);

    journal = Journal.open({
      path: journalPath,
      gateway: config.gateway.id,
      lab: config.gateway.lab,
      clock,
      commitIntervalMs: config.journal.commitInterval,
      log: log.child({ component: 'journal' }),
      clockSync,
      ...(config.journal.maxSize !== undefined ? { maxSizeBytes: config.journal.maxSize, fullPolicy: config.journal.fullPolicy } : {}),
    });
    journal.onCommit((batch) => {
      if (commitListeners.size === 0) return;
      const records = batch.map((r) => r.record);
      for (const listener of commitListeners) {
        try {
          listener(records);
        } catch (err) {
          log.warn({ err }, 'a commit listener threw; ignored');
        }
      }
    });
    // What an operator must know (transitions, alarms, steps, ...) in the log too, not only the journal.
    journal.onCommit(journalEventLog(log.child({ component: 'events' })));
    startSinks(journal);
    if (sealKey) {
      sealer = new Sealer({
        journal,
        privateKey: sealKey,
        clock,
        log: log.child({ component: 'sealer' }),
        everyRecords: config.integrity!.sealEvery.records,
        intervalMs: config.integrity!.sealEvery.interval,
      });
      sealer.start();
    }
    clockStep.onStep((s) => {
      const message = `wall clock stepped by ${s.stepMs} ms; readings around it are flagged clock_step`;
      void output.event({ type: 'clock_step', severity: 'warning', time: s.seenAt, message, data: { stepMs: s.stepMs } }).catch(() => undefined);
    });
    clockSync.onChange((state, source) => {
      const message = `clock synchronised: ${state} (${source ?? 'no source answered'})`;
      void output
        .event({ type: 'clock_sync', severity: state === 'yes' ? 'info' : 'warning', time: clock.now(), message, data: { state, source: source ?? null } })
        .catch(() => undefined);
    });

    checks = new CheckPipeline(engine, journal, {
      clock,
      log: log.child({ component: 'checks' }),
      checkpoint: new CheckpointFile(`${journalPath}.checks.json`),
    });
    checks.restore(); // before acquisition: the first new reading continues the journaled state
    for (const e of declarationEvents(config.standards ?? [], clock.now())) await checks.event(e); // for the pilot: what this lab declares

    await clockSync.start(); // first answer before the first record; refreshed off the hot path
    clockStep.start();
    if (config.simulators.length > 0) {
      const { SimulatorHost } = await import('../simulators/host.js');
      simulators = new SimulatorHost(deps.registry.simulators, config.world, { clock, log });
      await simulators.start(config.simulators);
    }
    for (const cfg of config.links) {
      const link = createLink(cfg, {
        clock,
        log: log.child({ component: 'link' }),
        simulatorEndpoint: (id) => simulators?.get(id)?.endpoint.tcp,
      });
      links.set(cfg.id, link);
      link.start();
    }

    loops = new DeviceLoops(config.devices, {
      drivers: deps.registry.drivers,
      links,
      clock,
      log: log.child({ component: 'acquisition' }),
      output,
      clockStep,
      clockSync,
    });
    loops.start();
    await output.event({ type: 'gateway_started', severity: 'info', time: clock.now(), message: `travelgate ${VERSION} started` });
    ready = true;
  }

  async function stop(): Promise<void> {
    ready = false;
    await loops?.stop();
    await Promise.all([...links.values()].map((l) => l.close()));
    if (journal) {
      await checks?.close(); // a checkpoint at the journal's head: the next start replays nothing
      await output.event({ type: 'gateway_stopped', severity: 'info', time: clock.now(), message: 'travelgate stopped' }).catch(() => undefined);
      clockStep.stop();
      clockSync.stop();
      await sealer?.stop(); // the final seal: the journal of a clean stop ends sealed
      stopRetention?.();
      clearInterval(sinkWatchTimer);
      // A healthy sink gets a moment to forward the last records (the stop event, the final seal).
      await Promise.all(sinkRunners.map((r) => r.stop(SINK_STOP_GRACE_MS)));
      series?.close();
      await journal.close();
    }
    await simulators?.stop();
    await api?.close();
    releaseLock?.();
    releaseLock = undefined;
  }

  /** Sinks and retention: a sink no longer configured loses its cursor (it would hold back
   *  retention for ever); each configured one starts draining from its own. */
  function startSinks(j: Journal): void {
    const configured = new Set<string>(configuredSinkNames(config.sinks));
    for (const name of SINK_NAMES) {
      if (!configured.has(name) && j.removeCursor(name)) log.info({ sink: name }, 'sink no longer configured: its cursor was removed');
    }
    sinkRunners = createSinkRunners(config.sinks, config.gateway, { journal: j, clock, log });
    for (const r of sinkRunners) r.start();
    if (sinkRunners.length > 0) {
      const watch = new SinkWatch(log.child({ component: 'sinks' }), () => clock.now());
      sinkWatchTimer = setInterval(() => watch.check(sinkRunners.map((r) => r.status())), 5000);
      sinkWatchTimer.unref();
    }
    stopRetention = scheduleRetention(j, { retentionMs: config.journal.retention, now: () => clock.now(), log: log.child({ component: 'journal' }) });
  }

  return {
    start,
    stop,
    get url() {
      return url;
    },
    view,
  };
}
