import type modbusSerial from 'modbus-serial';
import { TgError } from '../../core/errors.js';
import { openSerialPort } from '../serial.js';
import { connectTcp } from '../tcp-connect.js';
import type { ModbusRtuLinkConfig } from './config.js';
import { RtuFramePort } from './rtu-port.js';

/**
 * The two ways to reach Modbus units: RTU frames on a serial bus, MBAP frames on a TCP connection.
 * This file and rtu-port.ts are the only places that know modbus-serial (the serial port
 * is opened by the serial link's openSerialPort).
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
}

export interface ModbusTransport {
  address(): string;
  /** Opens the connection; rejects with a TgError when it cannot. */
  open(signal: AbortSignal): Promise<ModbusSession>;
}

async function newClient(port?: unknown): Promise<ModbusRTU> {
  const ModbusRTU = await loadModbus();
  const client = new ModbusRTU(port);
  // The client re-emits port errors; without a listener an EventEmitter would throw them.
  client.on('error', () => undefined);
  return client;
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
      const closed = new Promise<string>((done) => {
        port.once('close', (e?: Error) => done(e?.message ?? 'port closed'));
        port.on('error', (e: Error) => {
          done(e.message);
          port.destroy();
        });
      });
      const client = await newClient(new RtuFramePort(port));
      await new Promise<void>((resolve) => client.open(() => resolve()));
      return { client, closed, destroy: () => port.destroy() };
    },
  };
}

export function tcpTransport(endpoint: { host: string; port: number }, connectTimeoutMs: number): ModbusTransport {
  const address = `modbus-tcp://${endpoint.host}:${endpoint.port}`;
  return {
    address: () => address,
    open: async (signal) => {
      const socket = await connectTcp(endpoint, address, connectTimeoutMs, signal);
      const closed = new Promise<string>((done) => {
        socket.on('error', (e) => done(e.message));
        socket.once('close', () => done('closed by peer'));
      });
      const client = await newClient();
      try {
        await client.linkTCP(socket, { port: endpoint.port });
      } catch (e) {
        socket.destroy();
        throw e instanceof TgError ? e : new TgError('TG_LINK_DOWN', `${address}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return { client, closed, destroy: () => socket.destroy() };
    },
  };
}
