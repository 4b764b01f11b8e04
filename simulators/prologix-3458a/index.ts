/**
 * A simulated Prologix GPIB-ETHERNET adapter (TCP, one client at a time) with a Keysight/HP 3458A
 * at its GPIB address, measuring a standard of the simulated World. See README.md for commands,
 * options and faults.
 */
import { TgError } from '../../src/kit.js';
import { pickStandard, startOrStop } from '../lifecycle.js';
import type { Endpoint, Fault, Simulator, SimulatorDefinition, SimulatorDeps } from '../types.js';
import { GpibAdapterServer } from '../shared/gpib-server.js';
import { prologix3458aConfig, type Prologix3458aConfig } from './config.js';
import { FaultState, parseFault } from './faults.js';
import { Hp3458Instrument } from './instrument.js';

export class Prologix3458aSimulator implements Simulator {
  readonly kind = 'prologix-3458a';
  private readonly faults = new FaultState();
  private instrument: Hp3458Instrument | undefined;
  private server: GpibAdapterServer | undefined;

  constructor(
    private readonly cfg: Prologix3458aConfig,
    private readonly deps: SimulatorDeps,
  ) {}

  async start(): Promise<Endpoint> {
    if (this.server) throw new TgError('TG_SIMULATOR', 'prologix-3458a: already started');
    const { world, clock, log, listen } = this.deps;
    if (!listen.tcp) throw new TgError('TG_SIMULATOR', 'prologix-3458a: needs listen.tcp (the GPIB-ETHERNET adapter has no serial port)');
    if (listen.serial) log.warn({ simulator: this.kind }, 'prologix-3458a: listen.serial ignored (the adapter is TCP only)');
    const standard = pickStandard(this.kind, world, this.cfg.standard);
    const instrument = new Hp3458Instrument({
      identity: this.cfg.identity,
      standard,
      measurementMs: this.cfg.measurementMs,
      internalRise: this.cfg.internalRise,
      world,
      clock,
      log,
      faults: this.faults,
    });
    const server = new GpibAdapterServer(instrument, { address: this.cfg.gpibAddress, version: this.cfg.version, clock, log });
    this.instrument = instrument;
    this.server = server;
    const { host, port } = listen.tcp;
    const tcp = await startOrStop(this.kind, () => server.start(host, port), () => this.stop());
    log.info({ simulator: this.kind, tcp }, 'simulator started');
    return { tcp };
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
    else if (parsed.type === 'disconnect') this.server?.disconnect(parsed.downMs);
  }

  /** Instrument messages received (after the adapter removed its escapes), newest last. */
  get instrumentMessages(): readonly string[] {
    return this.instrument?.received ?? [];
  }

  /** `++` commands the adapter received, without the `++`, newest last. */
  get adapterCommands(): readonly string[] {
    return this.server?.adapter.commands ?? [];
  }

  /** Clients closed at once because another one was connected. */
  get refusedConnections(): number {
    return this.server?.refused ?? 0;
  }
}

export const prologix3458aSimulator: SimulatorDefinition<Prologix3458aConfig> = {
  kind: 'prologix-3458a',
  description: 'a simulated Prologix GPIB-ETHERNET adapter (one TCP client) with a 3458A measuring a standard of the world',
  config: prologix3458aConfig,
  create: (cfg, deps) => new Prologix3458aSimulator(cfg, deps),
};

export type { Prologix3458aConfig } from './config.js';
export type { Prologix3458aFault } from './faults.js';
