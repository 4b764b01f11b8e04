/**
 * Links over in-memory byte streams (node:stream duplexPair), for fast tests and fuzzing of the
 * real link code: the line link's splitter, queue and reconnect, and the Modbus framers, client
 * and resynchronisation. Each (re)connection makes a new pair; the test holds the device's end.
 */
import { duplexPair, type Duplex } from 'node:stream';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Terminator } from '../../src/links/config.js';
import { ModbusLink } from '../../src/links/modbus/modbus-link.js';
import { streamTransport } from '../../src/links/modbus/transports.js';
import { StreamLineLink } from '../../src/links/stream-line-link.js';

/** The device's side of every connection a memory link opened, newest last. */
export class DeviceEnds {
  readonly all: Duplex[] = [];
  #waiters: ((d: Duplex) => void)[] = [];
  /** Called for each new connection (e.g. to attach a responder). */
  onConnect: ((end: Duplex) => void) | undefined;

  get current(): Duplex | undefined {
    return this.all[this.all.length - 1];
  }

  push(end: Duplex): void {
    end.on('error', () => undefined);
    this.all.push(end);
    this.onConnect?.(end);
    for (const w of this.#waiters.splice(0)) w(end);
  }

  /** Resolves with the next connection's end. */
  next(): Promise<Duplex> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

function pairFor(ends: DeviceEnds): Duplex {
  const [gateway, device] = duplexPair();
  ends.push(device);
  return gateway;
}

export class MemoryLineLink extends StreamLineLink {
  readonly ends = new DeviceEnds();

  /** `type`: what status() reports (a driver may check the kind of line link it is given). */
  constructor(options: { id?: string; type?: string; writeTerminator?: Terminator; readTerminator?: Terminator; clock?: Clock } = {}) {
    super({
      id: options.id ?? 'memory',
      type: options.type ?? 'memory',
      writeTerminator: options.writeTerminator ?? 'LF',
      readTerminator: options.readTerminator ?? 'LF',
      reconnect: { initial: 1, max: 5 },
      clock: options.clock ?? systemClock,
      log: silentLogger(),
    });
  }

  address(): string {
    return 'memory://line';
  }

  protected async open(): Promise<Duplex> {
    return pairFor(this.ends);
  }
}

/** A Modbus link (RTU or TCP framing) over in-memory streams, with the real ModbusLink. */
export function memoryModbusLink(kind: 'rtu' | 'tcp', options: { breakerFailures?: number } = {}): { link: ModbusLink; ends: DeviceEnds } {
  const ends = new DeviceEnds();
  const link = new ModbusLink({
    id: `memory-${kind}`,
    type: kind === 'rtu' ? 'modbus-rtu' : 'modbus-tcp',
    transport: streamTransport(kind, `memory://${kind}`, async () => pairFor(ends)),
    interFrameDelayMs: 0,
    // A fuzz run sends many bad frames on purpose: keep the breaker from resting the unit.
    breaker: { failures: options.breakerFailures ?? 1_000_000_000, probeIntervalMs: 1 },
    reconnect: { initial: 1, max: 5 },
    clock: systemClock,
    log: silentLogger(),
  });
  return { link, ends };
}
