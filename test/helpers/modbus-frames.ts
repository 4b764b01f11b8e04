/**
 * The device side of Modbus framing for link tests and fuzzing: read requests (FC 3/4) as the
 * gateway sends them, well-formed replies and exceptions, over RTU (CRC) or TCP (MBAP).
 */
import type { Duplex } from 'node:stream';
import { crc16 } from '../../src/links/modbus/crc.js';

export type Framing = 'rtu' | 'tcp';

export interface ReadRequest {
  /** TCP only: the MBAP transaction id the reply must carry. */
  tid: number;
  unit: number;
  fc: number;
  address: number;
  count: number;
}

function withCrc(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length + 2);
  body.copy(out);
  out.writeUInt16LE(crc16(body), body.length);
  return out;
}

function mbap(tid: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(6 + pdu.length);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pdu.length, 4);
  pdu.copy(out, 6);
  return out;
}

/** unit, fc, byte count, registers (big-endian). */
export function registerPdu(req: ReadRequest, registers: readonly number[]): Buffer {
  const pdu = Buffer.alloc(3 + 2 * registers.length);
  pdu[0] = req.unit;
  pdu[1] = req.fc;
  pdu[2] = 2 * registers.length;
  registers.forEach((r, i) => pdu.writeUInt16BE(r & 0xffff, 3 + 2 * i));
  return pdu;
}

/** A well-formed reply with `registers` (default: count registers of a fixed pattern). */
export function replyFrame(framing: Framing, req: ReadRequest, registers: readonly number[] = goodRegisters(req.count)): Buffer {
  const pdu = registerPdu(req, registers);
  return framing === 'rtu' ? withCrc(pdu) : mbap(req.tid, pdu);
}

export function exceptionFrame(framing: Framing, req: ReadRequest, code: number): Buffer {
  const pdu = Buffer.from([req.unit, req.fc | 0x80, code]);
  return framing === 'rtu' ? withCrc(pdu) : mbap(req.tid, pdu);
}

/** Register values that decode as small finite numbers whatever the type (float32 either word
 *  order, integers): every register is 0x4120 (float32 words of 10.0 or 10.0078...). */
export function goodRegisters(count: number): number[] {
  return Array.from({ length: count }, () => 0x4120);
}

/**
 * Collects request frames from the gateway's stream and calls `respond` for each, in order.
 * TCP requests are framed by their MBAP header, RTU read requests are 8 bytes.
 */
export function onRequests(framing: Framing, end: Duplex, respond: (req: ReadRequest) => void): void {
  let buffer = Buffer.alloc(0);
  end.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (framing === 'tcp') {
        if (buffer.length < 6) return;
        const length = buffer.readUInt16BE(4);
        if (buffer.length < 6 + length) return;
        const f = buffer.subarray(0, 6 + length);
        buffer = buffer.subarray(6 + length);
        respond({ tid: f.readUInt16BE(0), unit: f[6]!, fc: f[7]!, address: f.readUInt16BE(8), count: f.readUInt16BE(10) });
      } else {
        if (buffer.length < 8) return;
        const f = buffer.subarray(0, 8);
        buffer = buffer.subarray(8);
        respond({ tid: 0, unit: f[0]!, fc: f[1]!, address: f.readUInt16BE(2), count: f.readUInt16BE(4) });
      }
    }
  });
}
