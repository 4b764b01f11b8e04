import type { Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import { StreamServer } from '../transport/stream-server.js';
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
  private readonly transport: StreamServer;

  constructor(
    private readonly handler: RequestHandler,
    listen: SimulatorListen,
    opts: { singleConnection?: boolean } = {},
  ) {
    this.transport = new StreamServer(
      { serveTcp: (socket) => this.serveTcp(socket), serveSerial: (port) => this.serveRtu(port) },
      listen,
      opts,
    );
  }

  start(): Promise<Endpoint> {
    return this.transport.start();
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  /** Drops every TCP client; the pty disappears and comes back at the same path after `downMs`. */
  disconnect(downMs = 200): Promise<void> {
    return this.transport.disconnect(downMs);
  }

  get singleConnection(): boolean {
    return this.transport.singleConnection;
  }

  set singleConnection(on: boolean) {
    this.transport.singleConnection = on;
  }

  get clients(): number {
    return this.transport.clients;
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
        if (!reply || !this.transport.isCurrent(port)) return;
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
