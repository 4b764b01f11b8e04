import type { Duplex } from 'node:stream';
import type modbusSerial from 'modbus-serial';
import { TgError } from '../../core/errors.js';
import { openSerialPort } from '../serial.js';
import { connectTcp } from '../tcp-connect.js';
import { defaultRtuFrameGap, type ModbusRtuLinkConfig } from './config.js';
import { MbapFramePort } from './mbap-port.js';
import { RtuFramePort } from './rtu-port.js';

/**
 * The two ways to reach Modbus units: RTU frames on a serial bus, MBAP frames on a TCP connection.
 * This file, rtu-port.ts and mbap-port.ts are the only places that know modbus-serial; its client
 * only checks and decodes replies: the framing of both is ours (see the two ports for why), over
 * any byte stream, so the framers are tested on in-memory streams as well as on ptys and sockets.
 */

// modbus-serial is CommonJS: `module.exports` is the client class and `.default` points to itself.
// It is loaded on the first connection: a gateway without Modbus links never pays for it.
type ModbusRTUClass = (typeof modbusSerial)['default'];
type ModbusRTU = InstanceType<ModbusRTUClass>;
let modbusClass: Promise<ModbusRTUClass> | undefined;
const loadModbus = () => (modbusClass ??= import('modbus-serial').then((m) => m.default.default ?? m.default));

/** One opened connection with a modbus-serial client bound to it. */
export interface ModbusSession {
  client: ModbusRTU;
  /** Resolves (with a reason) once the connection has closed for any reason. */
  closed: Promise<string>;
  destroy(): void;
  /**
   * After a malformed reply or a timeout the frame boundary may be lost. TCP: only a new
   * connection finds it again, so the link drops the session. RTU: every request starts from a
   * clean buffer and frames by CRC, so the session stays.
   */
  readonly resyncByReconnect: boolean;
  /** Bytes the framer holds now (bounded). */
  buffered(): number;
  /** Bytes skipped since the last request because they could not be a frame (noise). */
  noise(): number;
}

export interface ModbusTransport {
  address(): string;
  /** Opens the connection; rejects with a TgError when it cannot. */
  open(signal: AbortSignal): Promise<ModbusSession>;
}

async function newClient(port: unknown): Promise<ModbusRTU> {
  const ModbusRTU = await loadModbus();
  const client = new ModbusRTU(port);
  // The client re-emits port errors; without a listener an EventEmitter would throw them.
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.open(() => resolve()));
  return client;
}

function closedPromise(stream: Duplex, idle: string): Promise<string> {
  return new Promise<string>((done) => {
    // serialport passes its disconnect error as the 'close' argument.
    stream.once('close', (e?: unknown) => done(e instanceof Error ? e.message : idle));
    stream.on('error', (e: Error) => {
      done(e.message);
      stream.destroy();
    });
  });
}

/** A Modbus RTU session over an opened byte stream (a serial port, or an in-memory stream). */
export async function rtuSession(stream: Duplex, frameGapMs = 0): Promise<ModbusSession> {
  const closed = closedPromise(stream, 'port closed');
  const port = new RtuFramePort(stream, frameGapMs);
  const client = await newClient(port);
  return { client, closed, destroy: () => stream.destroy(), resyncByReconnect: false, buffered: () => port.buffered, noise: () => port.noise };
}

/** A Modbus TCP session over an opened byte stream (a socket, or an in-memory stream). */
export async function tcpSession(stream: Duplex): Promise<ModbusSession> {
  const closed = closedPromise(stream, 'closed by peer');
  const port = new MbapFramePort(stream);
  const client = await newClient(port);
  return { client, closed, destroy: () => stream.destroy(), resyncByReconnect: true, buffered: () => port.buffered, noise: () => port.noise };
}

export function rtuTransport(cfg: Pick<ModbusRtuLinkConfig, 'path' | 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>): ModbusTransport {
  return {
    address: () => cfg.path,
    open: async (signal) => {
      if (signal.aborted) throw new TgError('TG_ABORTED');
      // Opened through the serial link's helper: a hung-up tty (adapter unplugged, pty gone)
      // closes the port instead of spinning, and destroy() releases the device.
      const port = await openSerialPort(cfg);
      if (signal.aborted) {
        port.destroy();
        throw new TgError('TG_ABORTED');
      }
      return rtuSession(port, defaultRtuFrameGap(cfg.baudRate));
    },
  };
}

export function tcpTransport(endpoint: { host: string; port: number }, connectTimeoutMs: number): ModbusTransport {
  const address = `modbus-tcp://${endpoint.host}:${endpoint.port}`;
  return {
    address: () => address,
    open: async (signal) => tcpSession(await connectTcp(endpoint, address, connectTimeoutMs, signal)),
  };
}

/** A transport over streams someone else opens (tests: in-memory streams; a serial server). */
export function streamTransport(kind: 'rtu' | 'tcp', address: string, openStream: (signal: AbortSignal) => Promise<Duplex>): ModbusTransport {
  return {
    address: () => address,
    open: async (signal) => {
      const stream = await openStream(signal);
      return kind === 'rtu' ? rtuSession(stream) : tcpSession(stream);
    },
  };
}
