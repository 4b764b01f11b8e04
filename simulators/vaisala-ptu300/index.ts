import type { Clock, Logger } from '../../src/kit.js';
import { LineServer } from '../transport/line-server.js';
import type { Endpoint, Fault, Simulator, SimulatorDefinition, SimulatorDeps } from '../types.js';
import { ptu300SimulatorConfig, type Ptu300SimulatorConfig } from './config.js';
import { Ptu300Device } from './device.js';
import { FaultState, PROTOCOL_FAULTS } from './faults.js';

export { ptu300SimulatorConfig, type Ptu300SimulatorConfig } from './config.js';

/**
 * A simulated Vaisala PTU300 reporting the simulated lab's air (humidity, temperature, pressure)
 * over TCP and/or a socat pty, lines ending in CR LF. Faults: no_reply, garbled, torn
 * ({ part: 'tail' | 'head' }), sensor_fail (each for `count` replies or until clear),
 * disconnect ({ downMs }), clear. Nothing starts before start().
 */
export class Ptu300Simulator implements Simulator {
  readonly kind = 'vaisala-ptu300';
  private readonly faults = new FaultState();
  private device: Ptu300Device | undefined;
  private server: LineServer | undefined;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(
    private readonly cfg: Ptu300SimulatorConfig,
    private readonly deps: SimulatorDeps,
  ) {
    this.log = deps.log;
    this.clock = deps.clock;
  }

  async start(): Promise<Endpoint> {
    if (this.server) throw new Error('the simulator is already started');
    this.device = new Ptu300Device(this.cfg, this.deps.world, this.clock, this.faults);
    this.server = new LineServer(this.device, this.deps.listen, { terminator: '\r\n' });
    const endpoint = await this.server.start();
    this.log.info({ simulator: this.kind, endpoint }, 'simulator started');
    return endpoint;
  }

  async stop(): Promise<void> {
    this.device?.stopAll();
    await this.server?.stop();
    this.server = undefined;
  }

  inject(fault: Fault): void {
    this.log.info({ simulator: this.kind, fault }, 'fault injected');
    if (fault.type === 'clear') return this.faults.clear();
    if (fault.type === 'disconnect') {
      const downMs = typeof fault.downMs === 'number' ? fault.downMs : undefined;
      void this.server?.disconnect(downMs).catch((err: unknown) => this.log.warn({ err }, 'disconnect failed'));
      return;
    }
    if (FaultState.isProtocolFault(fault.type)) return this.faults.inject(fault.type, fault);
    throw new Error(`vaisala-ptu300 simulator: unknown fault "${fault.type}" (supported: ${[...PROTOCOL_FAULTS, 'disconnect', 'clear'].join(', ')})`);
  }

  /** How many connections are in continuous output (R) now: for tests and the status page. */
  get continuousSessions(): number {
    return this.device?.continuousSessions ?? 0;
  }
}

export const vaisalaPtu300Simulator: SimulatorDefinition<Ptu300SimulatorConfig> = {
  kind: 'vaisala-ptu300',
  description: 'simulated Vaisala PTU300: SEND, R/S/INTV, ?, with line faults (no_reply, garbled, torn, sensor_fail, disconnect)',
  config: ptu300SimulatorConfig,
  create: (cfg, deps) => new Ptu300Simulator(cfg, deps),
};
