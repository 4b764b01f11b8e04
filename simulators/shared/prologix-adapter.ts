/**
 * The simulated Prologix GPIB-ETHERNET adapter in controller mode: it executes `++` commands
 * itself and passes data frames to the instrument (any GpibDevice) at `++addr`. Frames are handled one at a time
 * in arrival order, as the adapter's single-threaded firmware does: a `++read` that waits for the
 * instrument holds back every later frame.
 */
import type { Clock, Logger } from '../../src/kit.js';
import { PrologixDecoder } from './prologix-decoder.js';

/** An instrument on the simulated GPIB bus, as the adapter addresses it. */
export interface GpibDevice {
  /** Data addressed to the instrument; `end` when the message ended (EOI or a terminator). */
  listen(data: string, end: boolean): void;
  /** Addressed to talk: its output once ready (with its terminator), or undefined when nothing
   *  is ready within `timeoutMs` (the adapter then sends nothing). */
  talk(timeoutMs: number, signal: AbortSignal): Promise<string | undefined>;
  /** Selected device clear. */
  deviceClear(): void;
  /** Serial poll. */
  statusByte(): number;
}

/** One TCP client of the adapter. */
export interface AdapterSession {
  sendRaw(text: string): void;
  readonly signal: AbortSignal;
}

/** The adapter's settings; they survive reconnects (they live in the adapter, not the socket). */
interface AdapterSettings {
  mode: number;
  addr: number;
  auto: number;
  eoi: number;
  eos: number;
  eotEnable: number;
  eotChar: number;
  readTmoMs: number;
  savecfg: number;
}

const NUMERIC: Record<string, { key: keyof AdapterSettings; min: number; max: number }> = {
  mode: { key: 'mode', min: 0, max: 1 },
  addr: { key: 'addr', min: 0, max: 30 },
  auto: { key: 'auto', min: 0, max: 1 },
  eoi: { key: 'eoi', min: 0, max: 1 },
  eos: { key: 'eos', min: 0, max: 3 },
  eot_enable: { key: 'eotEnable', min: 0, max: 1 },
  eot_char: { key: 'eotChar', min: 0, max: 255 },
  read_tmo_ms: { key: 'readTmoMs', min: 1, max: 3000 },
  savecfg: { key: 'savecfg', min: 0, max: 1 },
};

export class PrologixAdapter {
  private readonly settings: AdapterSettings = {
    mode: 1,
    addr: 10,
    auto: 0,
    eoi: 1,
    eos: 0,
    eotEnable: 0,
    eotChar: 10,
    readTmoMs: 500,
    savecfg: 1,
  };
  /** Adapter commands received, newest last (bounded): for tests. */
  readonly commands: string[] = [];

  constructor(
    private readonly instrument: GpibDevice,
    private readonly gpibAddress: number,
    private readonly version: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Serves one client: returns the function to feed its bytes to. */
  attach(session: AdapterSession): (chunk: string) => void {
    const decoder = new PrologixDecoder();
    let chain = Promise.resolve();
    return (chunk) => {
      for (const frame of decoder.push(chunk)) {
        chain = chain
          .then(() => (session.signal.aborted ? undefined : frame.kind === 'command' ? this.command(frame.text, session) : this.data(frame.text, session)))
          .catch((err: unknown) => {
            if (!session.signal.aborted) this.log.warn({ err }, 'prologix adapter: frame failed');
          });
      }
    };
  }

  private addressed(): boolean {
    return this.settings.mode === 1 && this.settings.addr === this.gpibAddress;
  }

  private async data(text: string, session: AdapterSession): Promise<void> {
    if (!this.addressed()) return; // nobody listens at that address
    // The instrument sees the message end when EOI is asserted or a terminator is appended.
    const end = this.settings.eoi === 1 || this.settings.eos !== 3;
    this.instrument.listen(text, end);
    if (this.settings.auto === 1) await this.read(session);
  }

  private async read(session: AdapterSession): Promise<void> {
    if (!this.addressed()) {
      // Nobody answers at that address: the adapter waits out its read timeout.
      await this.clock.sleep(this.settings.readTmoMs, session.signal);
      return;
    }
    const text = await this.instrument.talk(this.settings.readTmoMs, session.signal);
    if (text === undefined) return;
    const eot = this.settings.eotEnable === 1 ? String.fromCharCode(this.settings.eotChar) : '';
    session.sendRaw(text + eot);
  }

  private async command(text: string, session: AdapterSession): Promise<void> {
    this.commands.push(text);
    if (this.commands.length > 200) this.commands.shift();
    const [name = '', ...rest] = text.split(/\s+/);
    const arg = rest[0];
    const key = name.toLowerCase();
    const numeric = NUMERIC[key];
    if (numeric) {
      if (arg === undefined) return session.sendRaw(`${this.settings[numeric.key]}\r\n`);
      const v = Number(arg);
      if (Number.isInteger(v) && v >= numeric.min && v <= numeric.max) this.settings[numeric.key] = v;
      return;
    }
    switch (key) {
      case 'ver':
        return session.sendRaw(`${this.version}\r\n`);
      case 'read':
        return this.read(session);
      case 'clr':
        if (this.addressed()) this.instrument.deviceClear();
        return;
      case 'spoll':
        return session.sendRaw(`${this.addressed() ? this.instrument.statusByte() : 0}\r\n`);
      case 'ifc':
      case 'loc':
      case 'llo':
      case 'rst':
      case 'trg':
      case 'srq':
      case 'status':
      case 'help':
        return;
      default:
        this.log.debug({ command: text }, 'prologix adapter: unrecognized adapter command');
        return session.sendRaw('Unrecognized command\r\n');
    }
  }
}
