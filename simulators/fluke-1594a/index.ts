/**
 * A simulated Fluke 1594A Super-Thermometer with an SPRT in the simulated lab, over TCP and/or a
 * serial pty. See README.md for commands, options and faults.
 */
import { TgError } from '../../src/kit.js';
import { startOrStop } from '../lifecycle.js';
import { LineServer } from '../transport/line-server.js';
import type { Endpoint, Fault, Simulator, SimulatorDefinition, SimulatorDeps } from '../types.js';
import { fluke1594aSimulatorConfig, type Fluke1594aSimulatorConfig } from './config.js';
import { FaultState, parseFault } from './faults.js';
import { Fluke1594Instrument } from './instrument.js';

const TERMINATORS = { CRLF: '\r\n', CR: '\r', LF: '\n' } as const;

export class Fluke1594aSimulator implements Simulator {
  readonly kind = 'fluke-1594a';
  private readonly faults = new FaultState();
  private instrument: Fluke1594Instrument | undefined;
  private server: LineServer | undefined;

  constructor(
    private readonly cfg: Fluke1594aSimulatorConfig,
    private readonly deps: SimulatorDeps,
  ) {}

  async start(): Promise<Endpoint> {
    if (this.server) throw new TgError('TG_SIMULATOR', 'fluke-1594a: already started');
    const { world, clock, log, listen } = this.deps;
    this.instrument = new Fluke1594Instrument(this.cfg, world, clock, this.faults, log);
    this.server = new LineServer(this.instrument, listen, { terminator: TERMINATORS[this.cfg.terminator] });
    const server = this.server;
    const endpoint = await startOrStop(this.kind, () => server.start(), () => this.stop());
    log.info({ simulator: this.kind, endpoint }, 'simulator started');
    return endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  /** Applies a fault at once (see faults.ts); throws on an unknown or malformed fault. */
  inject(fault: Fault): void {
    const parsed = parseFault(fault);
    this.deps.log.info({ simulator: this.kind, fault: parsed }, 'fault injected');
    if (this.faults.arm(parsed)) return;
    if (parsed.type === 'error_queue') for (const e of parsed.entries) this.instrument?.pushError(e.code, e.message);
    else if (parsed.type === 'disconnect')
      this.server?.disconnect(parsed.downMs).catch((err: unknown) => this.deps.log.warn({ err }, 'fluke-1594a: disconnect failed'));
  }
}

export const fluke1594aSimulator: SimulatorDefinition<Fluke1594aSimulatorConfig> = {
  kind: 'fluke-1594a',
  description: 'a simulated Fluke 1594A Super-Thermometer with an SPRT in the lab air (or at a fixed temperature)',
  config: fluke1594aSimulatorConfig,
  create: (cfg, deps) => new Fluke1594aSimulator(cfg, deps),
};

export type { Fluke1594aSimulatorConfig } from './config.js';
export type { Fluke1594aFault } from './faults.js';
