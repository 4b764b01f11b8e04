/**
 * `travelgate pilot`: wiring only. Builds the receiver from its configuration and starts and stops
 * its parts in order: store -> inbox (whatever it still holds is applied first) -> API -> broker.
 * Stopping goes the other way: the broker connection closes (its session keeps what comes next),
 * queued messages are committed, then the API and the store close.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { SecretSet } from '../core/secrets.js';
import { ArrivalChecker, knownGateways } from './arrival.js';
import { buildPilotApi } from './api/server.js';
import type { PilotConfig } from './config.js';
import { Inbox } from './inbox.js';
import { Ingestor } from './ingest.js';
import { PostgresStore } from './store/postgres.js';
import { SqliteStore } from './store/sqlite.js';
import type { PilotStore } from './store/types.js';
import { Subscriber } from './subscriber.js';
import type { BatchOutcome } from './verify/chain.js';
import { PilotView } from './view.js';

export interface PilotDeps {
  log: Logger;
  now?: () => number;
  /** Instrumentation (tests, the benchmark): every committed batch. */
  onBatch?: (outcome: BatchOutcome, committedAt: number) => void;
  webRoot?: string;
  secrets?: SecretSet;
}

export interface Pilot {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly url: string | undefined;
  readonly view: PilotView;
  readonly ingestor: Ingestor;
}

export function createStore(config: PilotConfig): PilotStore {
  const pg = config.store.postgres;
  if (pg !== undefined && pg !== '') return new PostgresStore(pg, config.store.schema);
  return new SqliteStore(config.store.sqlite || join(config.dataDir, 'pilot.sqlite'));
}

export function buildPilot(config: PilotConfig, deps: PilotDeps): Pilot {
  const log = deps.log;
  const store = createStore(config);
  const inbox = new Inbox(join(config.dataDir, `inbox-${config.broker.clientId.replace(/[^A-Za-z0-9_.-]/g, '_')}.sqlite`));
  const checker = new ArrivalChecker(knownGateways(config), `${config.broker.topicPrefix}/${config.comparison.id}/`);
  const ingestor = new Ingestor({
    store,
    checker,
    inbox,
    log: log.child({ component: 'ingest' }),
    lingerMs: config.ingest.linger,
    maxBatch: config.ingest.maxBatch,
    gateways: new Set(config.gateways.map((g) => g.id)),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.onBatch ? { onBatch: deps.onBatch } : {}),
  });
  const subscriber = new Subscriber({
    broker: config.broker,
    comparison: config.comparison.id,
    inbox,
    log: log.child({ component: 'mqtt' }),
    onMessage: (m) => ingestor.push(m),
    whenRoom: () => ingestor.whenRoom(),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const view = new PilotView(config, store, deps.now);
  let api: FastifyInstance | undefined;
  let url: string | undefined;
  let started = false;

  async function start(): Promise<void> {
    await store.init(config.gateways.map((g) => ({ id: g.id, lab: g.lab })));
    await ingestor.start();
    const tls = config.api.tls;
    api = buildPilotApi(view, log, {
      ready: () => started && subscriber.connected,
      ...(tls ? { https: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {}),
      ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
      ...(deps.secrets ? { secrets: deps.secrets } : {}),
    });
    url = await api.listen({ host: config.api.host, port: config.api.port });
    log.info({ url }, 'pilot API listening');
    await subscriber.start();
    started = true;
    log.info({ comparison: config.comparison.id, gateways: config.gateways.length, store: store.kind }, 'pilot receiver running');
  }

  async function stop(): Promise<void> {
    started = false;
    await subscriber.stop();
    await ingestor.stop();
    await api?.close();
    inbox.close();
    await store.close();
  }

  return {
    start,
    stop,
    get url() {
      return url;
    },
    view,
    ingestor,
  };
}
