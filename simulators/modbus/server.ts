import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { PtyPair } from '../transport/pty-pair.js';
import type { Endpoint, SimulatorListen } from '../types.js';
import { crcOk, withCrc } from './crc.js';

/**
 * The device side of Modbus framing: MBAP over TCP, RTU over a pseudo-terminal (socat pty pair,
 * the gateway opens `listen.serial.path`). Requests go to a handler as (unit, PDU); the handler's
 * reply is framed back, or nothing is sent when it returns undefined.
 */

export interface Reply {
  pdu: Buffer;
  /** RTU: send a wrong CRC. TCP: drop the last register but keep the byte count. */
  corrupt?: boolean;
}

export type RequestHandler = (unit: number, pdu: Buffer, via: 'rtu' | 'tcp') => Promise<Reply | undefined>;

const MBAP = 7;
/** After this much silence an RTU frame of unknown length is taken as complete. */
const RTU_SILENCE_MS = 20;

/** The length of an RTU request frame from its first bytes, or undefined when not yet known. */
function rtuRequestLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const fc = buf[1]!;
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return buf.length >= 7 ? 9 + buf[6]! : undefined;
  if (fc === 7 || fc === 11 || fc === 12 || fc === 17) return 4;
  if (fc === 43) return 7;
  return undefined;
}

export class ModbusServer {
  private server: Server | undefined;
  private pty: PtyPair | undefined;
  private port: SerialPort | undefined;
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  singleConnection: boolean;

  constructor(
    private readonly handler: RequestHandler,
    private readonly listen: SimulatorListen,
    opts: { singleConnection?: boolean } = {},
  ) {
    this.singleConnection = opts.singleConnection ?? false;
  }

  async start(): Promise<Endpoint> {
    const endpoint: Endpoint = {};
    if (this.listen.tcp) endpoint.tcp = await this.startTcp(this.listen.tcp.host, this.listen.tcp.port);
    if (this.listen.serial) {
      this.pty = new PtyPair(this.listen.serial.path);
      await this.startSerial();
      endpoint.serialPath = this.listen.serial.path;
    }
    return endpoint;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.closePort();
    await this.pty?.stop();
  }

  /** Drops every TCP client; the pty disappears and comes back at the same path after `downMs`. */
  async disconnect(downMs = 200): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.pty) {
      await this.closePort();
      await this.pty.stop();
      setTimeout(() => {
        if (!this.stopped) this.startSerial().catch(() => undefined);
      }, downMs);
    }
  }

  get clients(): number {
    return this.sockets.size;
  }

  private startTcp(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => {
        if (this.singleConnection && this.sockets.size > 0) {
          socket.destroy();
          return;
        }
        this.sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        this.serveTcp(socket);
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        if (!addr || typeof addr === 'string') return reject(new Error('no TCP address'));
        this.server = server;
        resolve({ host, port: addr.port });
      });
    });
  }

  private serveTcp(socket: Socket): void {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= MBAP) {
        const length = buffer.readUInt16BE(4);
        if (buffer.readUInt16BE(2) !== 0 || length < 2) return void socket.destroy(); // not Modbus
        if (buffer.length < 6 + length) return;
        const frame = buffer.subarray(0, 6 + length);
        buffer = buffer.subarray(6 + length);
        const tid = frame.readUInt16BE(0);
        const unit = frame[6]!;
        void this.handler(unit, Buffer.from(frame.subarray(MBAP)), 'tcp').then((reply) => {
          if (!reply || socket.destroyed) return;
          let pdu = reply.pdu;
          if (reply.corrupt && pdu.length > 4) pdu = pdu.subarray(0, pdu.length - 2);
          const header = Buffer.alloc(MBAP);
          header.writeUInt16BE(tid, 0);
          header.writeUInt16BE(0, 2);
          header.writeUInt16BE(pdu.length + 1, 4);
          header[6] = unit;
          socket.write(Buffer.concat([header, pdu]));
        });
      }
    });
  }

  private async startSerial(): Promise<void> {
    await this.pty!.start();
    const port = new SerialPort({ path: this.pty!.devicePath, baudRate: 19200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    this.port = port;
    this.serveRtu(port);
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private serveRtu(port: SerialPort): void {
    let buffer = Buffer.alloc(0);
    let silence: NodeJS.Timeout | undefined;
    const take = (length: number) => {
      const frame = buffer.subarray(0, length);
      buffer = buffer.subarray(length);
      // A frame with a bad CRC is ignored, as a real unit does; the rest of the buffer is dropped
      // too, since framing cannot be trusted after it.
      if (!crcOk(frame)) {
        buffer = Buffer.alloc(0);
        return;
      }
      const unit = frame[0]!;
      if (unit === 0) return; // broadcast: no unit answers
      void this.handler(unit, Buffer.from(frame.subarray(1, frame.length - 2)), 'rtu').then((reply) => {
        if (!reply || this.port !== port || !port.isOpen) return;
        const out = withCrc(Buffer.concat([Buffer.from([unit]), reply.pdu]));
        if (reply.corrupt) out[out.length - 1]! ^= 0xff;
        port.write(out);
      });
    };
    port.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      clearTimeout(silence);
      for (;;) {
        const length = rtuRequestLength(buffer);
        if (length === undefined || buffer.length < length) break;
        take(length);
      }
      if (buffer.length > 0) silence = setTimeout(() => buffer.length > 0 && take(buffer.length), RTU_SILENCE_MS);
    });
  }
}
