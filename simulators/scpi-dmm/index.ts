/**
 * A simulated SCPI DMM (Keysight 34465A by default, or a Keithley 2182A by its identity) over TCP
 * and/or a serial pty, measuring a standard of the simulated World. See README.md for commands,
 * options and faults.
 */
import { TgError } from '../../src/core/errors.js';
import { pickStandard, startOrStop } from '../lifecycle.js';
import { LineServer } from '../transport/line-server.js';
import type { Endpoint, Fault, Simulator, SimulatorDefinition, SimulatorDeps } from '../types.js';
import { scpiDmmConfig, type ScpiDmmConfig } from './config.js';
import { FaultState, parseFault } from './faults.js';
import { DmmInstrument, ErrorQueue } from './instrument.js';

export class ScpiDmmSimulator implements Simulator {
  readonly kind = 'scpi-dmm';
  private readonly faults = new FaultState();
  private readonly errors = new ErrorQueue();
  private instrument: DmmInstrument | undefined;
  private server: LineServer | undefined;

  constructor(
    private readonly cfg: ScpiDmmConfig,
    private readonly deps: SimulatorDeps,
  ) {}

  async start(): Promise<Endpoint> {
    if (this.server) throw new TgError('TG_SIMULATOR', 'scpi-dmm: already started');
    const { world, clock, log, listen } = this.deps;
    this.instrument = new DmmInstrument({
      identity: this.cfg.identity,
      standard: pickStandard(this.kind, world, this.cfg.standard),
      powerOnFunction: this.cfg.function,
      responseDelayMs: this.cfg.responseDelayMs,
      world,
      clock,
      log,
      faults: this.faults,
      errors: this.errors,
    });
    const server = new LineServer(this.instrument, listen, { terminator: '\n', singleConnection: this.cfg.singleConnection });
    this.server = server;
    return startOrStop(this.kind, () => server.start(), () => this.stop());
  }

  async stop(): Promise<void> {
    this.instrument?.shutdown();
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  /** Applies a fault at once (see faults.ts); throws on an unknown or malformed fault. */
  inject(fault: Fault): void {
    const parsed = parseFault(fault);
    if (this.faults.arm(parsed)) return;
    if (parsed.type === 'error_queue') {
      for (const e of parsed.entries) this.errors.push(e.code, e.message);
    } else if (parsed.type === 'disconnect') {
      this.server?.disconnect(parsed.downMs).catch((err: unknown) => this.deps.log.warn({ err }, 'scpi-dmm: disconnect failed'));
    }
  }
}

export const scpiDmmSimulator: SimulatorDefinition<ScpiDmmConfig> = {
  kind: 'scpi-dmm',
  description: 'a simulated SCPI DMM (34465A/34470A/2182A command forms) measuring a standard of the world',
  config: scpiDmmConfig,
  create: (cfg, deps) => new ScpiDmmSimulator(cfg, deps),
};

export type { ScpiDmmConfig } from './config.js';
export type { ScpiDmmFault } from './faults.js';
