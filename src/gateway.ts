import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import type { GatewayEvent, Reading } from './core/types.js';
import type { Config, Registry } from './config/schema.js';
import { createLink } from './links/create.js';
import type { Link } from './links/types.js';
import { Acquisition } from './acquisition/acquisition.js';
import { Journal } from './journal/journal.js';
import { buildApi } from './api/server.js';
import type { GatewayView } from './api/view.js';
import { SimulatorHost } from '../simulators/host.js';
import { VERSION } from './version.js';

export interface GatewayDeps {
  registry: Registry;
  log: Logger;
  clock?: Clock;
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
  const simulators = new SimulatorHost(deps.registry.simulators, config.world, { clock, log });
  let journal: Journal | undefined;
  let acquisition: Acquisition | undefined;
  let api: FastifyInstance | undefined;
  let url: string | undefined;
  let ready = false;
  const startedAt = new Date(clock.now()).toISOString();

  const view: GatewayView = {
    info: () => ({
      gateway: config.gateway.id,
      lab: config.gateway.lab,
      ...(config.gateway.comparison ? { comparison: config.gateway.comparison } : {}),
      version: VERSION,
      startedAt,
    }),
    isReady: () => ready,
    devices: () => acquisition?.devices() ?? [],
    links: () => [...links.values()].map((l) => l.status()),
    journal: () => journal,
  };

  const output = {
    reading: async (r: Reading) => {
      await journal!.appendReading(r);
    },
    event: async (e: GatewayEvent) => {
      await journal!.appendEvent(e);
    },
  };

  async function start(): Promise<void> {
    api = buildApi(view, log, { tokens: config.api.tokens, requireTokenForReads: config.api.requireTokenForReads });
    url = await api.listen({ host: config.api.host, port: config.api.port });
    log.info({ url }, 'status API listening');

    journal = Journal.open({
      path: config.journal.path ?? join(config.gateway.dataDir, 'journal.sqlite'),
      gateway: config.gateway.id,
      lab: config.gateway.lab,
      clock,
      commitIntervalMs: config.journal.commitInterval,
      log: log.child({ component: 'journal' }),
    });

    await simulators.start(config.simulators);
    for (const cfg of config.links) {
      const link = createLink(cfg, {
        clock,
        log: log.child({ component: 'link' }),
        simulatorEndpoint: (id) => simulators.get(id)?.endpoint.tcp,
      });
      links.set(cfg.id, link);
      link.start();
    }

    acquisition = new Acquisition(config.devices, {
      drivers: deps.registry.drivers,
      links,
      clock,
      log: log.child({ component: 'acquisition' }),
      output,
    });
    acquisition.start();
    await output.event({ type: 'gateway_started', severity: 'info', time: clock.now(), message: `travelgate ${VERSION} started` });
    ready = true;
  }

  async function stop(): Promise<void> {
    ready = false;
    await acquisition?.stop();
    await Promise.all([...links.values()].map((l) => l.close()));
    if (journal) {
      await output.event({ type: 'gateway_stopped', severity: 'info', time: clock.now(), message: 'travelgate stopped' }).catch(() => undefined);
      await journal.close();
    }
    await simulators.stop();
    await api?.close();
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
