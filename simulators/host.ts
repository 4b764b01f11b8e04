import type { Clock, Logger } from '../src/kit.js';
import { World, type WorldConfig } from './physics/world.js';
import type { Endpoint, Simulator, SimulatorDefinition, SimulatorListen } from './types.js';

/** One `simulators:` entry of a validated configuration (the fields the host reads). */
export interface SimulatorConfig {
  id: string;
  kind: string;
  listen: SimulatorListen;
  options: unknown;
}

export interface RunningSimulator {
  id: string;
  kind: string;
  simulator: Simulator;
  endpoint: Endpoint;
}

/**
 * Starts the simulators of a configuration in one shared world (the same standards and lab behind
 * every simulated instrument). Used by `travelgate run` for in-process simulators and by
 * `travelgate simulate`. On a failure, the ones already started are stopped again.
 */
export class SimulatorHost {
  readonly world: World;
  private readonly running: RunningSimulator[] = [];

  constructor(
    private readonly definitions: readonly SimulatorDefinition[],
    worldConfig: WorldConfig,
    private readonly deps: { clock: Clock; log: Logger },
  ) {
    this.world = new World(worldConfig);
  }

  async start(configs: readonly SimulatorConfig[]): Promise<RunningSimulator[]> {
    const byKind = new Map(this.definitions.map((d) => [d.kind, d]));
    try {
      for (const cfg of configs) {
        const def = byKind.get(cfg.kind)!;
        const simulator = def.create(cfg.options, {
          world: this.world,
          clock: this.deps.clock,
          log: this.deps.log.child({ simulator: cfg.id }),
          listen: cfg.listen,
        });
        const endpoint = await simulator.start();
        this.running.push({ id: cfg.id, kind: cfg.kind, simulator, endpoint });
        this.deps.log.info({ simulator: cfg.id, kind: cfg.kind, endpoint }, 'simulator started');
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    return [...this.running];
  }

  get(id: string): RunningSimulator | undefined {
    return this.running.find((r) => r.id === id);
  }

  list(): RunningSimulator[] {
    return [...this.running];
  }

  async stop(): Promise<void> {
    const all = this.running.splice(0);
    await Promise.all(all.map((r) => r.simulator.stop().catch(() => undefined)));
  }
}
