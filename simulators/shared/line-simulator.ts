/**
 * `lineSimulator()` turns a simulated line instrument's definition (its identity, settings,
 * command table and reading format) into a registered simulator: the options every such
 * instrument has (identity, standard, responseDelayMs, singleConnection, terminator, gpibAddress),
 * the faults of line-faults.ts, and serving over TCP and/or a serial pty, or on GPIB behind a
 * simulated Prologix adapter when `gpibAddress` is given.
 */
import { TgError, z } from '../../src/kit.js';
import { parseFault } from '../faults.js';
import { pickStandard, startOrStop } from '../lifecycle.js';
import { LineServer } from '../transport/line-server.js';
import type { Endpoint, Fault, Simulator, SimulatorDefinition, SimulatorDeps } from '../types.js';
import { GpibAdapterServer } from './gpib-server.js';
import { LineDevice, type Identity, type SimHandler } from './line-device.js';
import { LineFaults, lineFault } from './line-faults.js';

const TERMINATORS = { CRLF: '\r\n', CR: '\r', LF: '\n' } as const;

const commonOptions = (identity: Identity, terminator: keyof typeof TERMINATORS) => ({
  identity: z
    .object({ manufacturer: z.string().min(1), model: z.string().min(1), serial: z.string().min(1), firmware: z.string().min(1) })
    .partial()
    .strict()
    .prefault({})
    .describe(`what *IDN? answers; default ${Object.values(identity).join(',')}`),
  standard: z.string().min(1).optional().describe("the world standard wired to the input; default the world's first"),
  responseDelayMs: z.number().nonnegative().default(0).describe('delay before every reply (integration time)'),
  singleConnection: z.boolean().default(false).describe('refuse a second TCP client while one is connected'),
  terminator: z.enum(['CRLF', 'CR', 'LF']).default(terminator).describe('ends every reply line'),
  gpibAddress: z
    .number()
    .int()
    .min(0)
    .max(30)
    .optional()
    .describe('serve the instrument on GPIB at this address behind a simulated Prologix GPIB-ETHERNET adapter (listen.tcp only)'),
});
type CommonOptions = z.infer<z.ZodObject<ReturnType<typeof commonOptions>>>;

export interface LineSimulatorDefinition<T extends z.ZodRawShape, S> {
  kind: string;
  description: string;
  identity: Identity;
  /** The instrument's own options, next to the common ones. */
  options: T;
  /** Power-on and *RST settings. */
  settings(options: CommonOptions & z.infer<z.ZodObject<T>>): S;
  commands: readonly (readonly [string, SimHandler<S>])[];
  format(value: number): string;
  overload: number;
  /** SYST:ERR? from the error queue (default true); *ESR? is always answered. */
  scpiErrorQueue?: boolean;
  terminator?: keyof typeof TERMINATORS;
  /** What `wrong_identity` answers without its own `identity` (default: serial 99999999). */
  wrongIdentity?: Partial<Identity>;
}

export function lineSimulator<T extends z.ZodRawShape, S>(def: LineSimulatorDefinition<T, S>): SimulatorDefinition {
  const config = z.object({ ...commonOptions(def.identity, def.terminator ?? 'LF'), ...def.options }).strict();
  return { kind: def.kind, description: def.description, config, create: (cfg, deps) => new LineSimulator(def, cfg, deps) };
}

export class LineSimulator<S> implements Simulator {
  readonly kind: string;
  private readonly faults: LineFaults;
  device: LineDevice<S> | undefined;
  private server: LineServer | GpibAdapterServer | undefined;

  constructor(
    private readonly def: LineSimulatorDefinition<z.ZodRawShape, S>,
    private readonly cfg: CommonOptions & Record<string, unknown>,
    private readonly deps: SimulatorDeps,
  ) {
    this.kind = def.kind;
    this.faults = new LineFaults(def.wrongIdentity);
  }

  async start(): Promise<Endpoint> {
    if (this.server) throw new TgError('TG_SIMULATOR', `${this.kind}: already started`);
    const { world, clock, log, listen } = this.deps;
    const { def, cfg } = this;
    const spec = { ...def, identity: { ...def.identity, ...cfg.identity }, settings: () => def.settings(cfg), scpiErrorQueue: def.scpiErrorQueue ?? true };
    const device = new LineDevice({ ...spec, standard: pickStandard(this.kind, world, cfg.standard), responseDelayMs: cfg.responseDelayMs }, world, clock, this.faults, log);
    this.device = device;
    if (cfg.gpibAddress === undefined) {
      const server = new LineServer(device, listen, { terminator: TERMINATORS[cfg.terminator], singleConnection: cfg.singleConnection });
      this.server = server;
      return startOrStop(this.kind, () => server.start(), () => this.stop());
    }
    if (!listen.tcp) throw new TgError('TG_SIMULATOR', `${this.kind}: gpibAddress needs listen.tcp (the GPIB-ETHERNET adapter)`);
    const server = new GpibAdapterServer(device.gpib(), { address: cfg.gpibAddress, clock, log });
    this.server = server;
    const { host, port } = listen.tcp;
    return { tcp: await startOrStop(this.kind, () => server.start(host, port), () => this.stop()) };
  }

  async stop(): Promise<void> {
    this.device?.shutdown();
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  /** Applies a fault at once (see line-faults.ts); throws on an unknown or malformed fault. */
  inject(fault: Fault): void {
    const parsed = parseFault(lineFault, this.kind, fault);
    if (this.faults.arm(parsed)) return;
    if (parsed.type === 'error_queue') for (const e of parsed.entries) this.device?.pushError(e.code, e.message);
    else if (parsed.type === 'disconnect') {
      const server = this.server;
      if (server instanceof GpibAdapterServer) server.disconnect(parsed.downMs);
      else server?.disconnect(parsed.downMs).catch((err: unknown) => this.deps.log.warn({ err }, `${this.kind}: disconnect failed`));
    }
  }
}
