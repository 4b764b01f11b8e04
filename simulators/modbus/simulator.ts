import type { Endpoint, Fault, Simulator, SimulatorDeps } from '../types.js';
import type { ModbusSimulatorConfig, SimulatedUnitConfig } from './config.js';
import { FaultBook } from './faults.js';
import { loadScenario, ScenarioPlayer } from './scenario.js';
import { ModbusServer, type Reply } from './server.js';
import { SimulatedUnit, type ValueSource } from './unit.js';

/** Lab quantities a unit's channels follow when no fixed value or scenario gives them. */
const LAB_QUANTITIES = new Set(['temperature', 'humidity', 'pressure']);

function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

/**
 * A Modbus device or a whole RS-485 bus of them: any register map, several unit ids, over RTU on
 * a pty and/or Modbus TCP. Values come from the shared world (the lab's T, RH, p), from a
 * transport scenario (the case logger) or are fixed. Faults: see faults.ts.
 */
export class ModbusSimulator implements Simulator {
  readonly kind = 'modbus';
  private server: ModbusServer | undefined;
  private readonly units = new Map<number, SimulatedUnit>();
  private readonly faults = new FaultBook();
  /** Requests received and replies sent, per unit id (for tests and the benchmark). */
  readonly requests = new Map<number, number>();
  readonly replies = new Map<number, number>();

  constructor(
    private readonly cfg: ModbusSimulatorConfig,
    private readonly deps: SimulatorDeps,
  ) {}

  async start(): Promise<Endpoint> {
    for (const u of this.cfg.units) this.units.set(u.unit, new SimulatedUnit(u.unit, u.registers, await this.sourceFor(u)));
    this.server = new ModbusServer((unit, pdu, via) => this.handle(unit, pdu, via), this.deps.listen, {
      singleConnection: this.cfg.singleConnection,
    });
    try {
      return await this.server.start();
    } catch (err) {
      await this.server.stop().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  inject(fault: Fault): void {
    if (fault.type === 'single-connection') {
      if (this.server) this.server.singleConnection = fault.enabled !== false;
      return;
    }
    if (fault.type === 'disconnect') {
      void this.server?.disconnect(typeof fault.downMs === 'number' ? fault.downMs : 200);
      return;
    }
    if (!this.faults.add(fault, this.deps.clock.monotonic())) throw new Error(`the modbus simulator has no fault "${fault.type}"`);
  }

  /** Connected TCP clients. */
  get clients(): number {
    return this.server?.clients ?? 0;
  }

  private async handle(requested: number, pdu: Buffer, via: 'rtu' | 'tcp'): Promise<Reply | undefined> {
    // A Modbus TCP device (not a gateway) answers to 0 and 255 as to itself.
    const id = via === 'tcp' && (requested === 0 || requested === 255) ? this.cfg.units[0]!.unit : requested;
    const unit = this.units.get(id);
    if (!unit || pdu.length < 1) return undefined;
    this.requests.set(id, (this.requests.get(id) ?? 0) + 1);
    const faults = this.faults.take(id, this.deps.clock.monotonic());
    if (faults.silent) return undefined;
    const delay = this.cfg.responseDelay + faults.delayMs;
    if (delay > 0) await this.deps.clock.sleep(delay);
    const fc = pdu[0]!;
    let reply: Buffer;
    if (faults.exception !== undefined) reply = exceptionPdu(fc, faults.exception);
    else if ((fc === 3 || fc === 4) && pdu.length !== 5) reply = exceptionPdu(fc, 3);
    else {
      const outcome = unit.read(fc, fc === 3 || fc === 4 ? pdu.readUInt16BE(1) : 0, fc === 3 || fc === 4 ? pdu.readUInt16BE(3) : 0, faults.unavailable);
      if ('exception' in outcome) reply = exceptionPdu(fc, outcome.exception);
      else {
        reply = Buffer.alloc(2 + outcome.registers.length * 2);
        reply[0] = fc;
        reply[1] = outcome.registers.length * 2;
        outcome.registers.forEach((w, i) => reply.writeUInt16BE(w, 2 + 2 * i));
      }
    }
    this.replies.set(id, (this.replies.get(id) ?? 0) + 1);
    return { pdu: reply, corrupt: faults.corrupt };
  }

  private async sourceFor(u: SimulatedUnitConfig): Promise<ValueSource> {
    const { world, clock } = this.deps;
    const labChannels = u.registers.filter((r) => LAB_QUANTITIES.has(r.quantity)).map((r) => [r.channel, r.quantity] as const);
    const lab = (): Record<string, number> => {
      if (labChannels.length === 0) return {};
      const c = world.lab.conditions(clock.now(), world.random) as unknown as Record<string, number>;
      return Object.fromEntries(labChannels.map(([channel, quantity]) => [channel, c[quantity]!]));
    };
    if (!u.scenario) return () => ({ ...lab(), ...u.values });
    const scenario = await loadScenario(u.scenario);
    const player = new ScenarioPlayer(scenario, u.unit);
    const factor = u.timeFactor ?? scenario.timeFactor;
    const origin = clock.monotonic();
    let last = 0;
    return () => {
      const t = (clock.monotonic() - origin) * factor;
      const state = player.sample(last, t);
      last = t;
      return { ...lab(), ...state, ...u.values };
    };
  }
}
