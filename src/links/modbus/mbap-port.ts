import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { crc16 } from './crc.js';

/** MBAP header: transaction id (2), protocol id (2, always 0), length (2) of what follows it. */
const HEADER = 6;
/** The length field counts the unit id and the PDU: 2 (unit, function code) at least, and a PDU is
 *  at most 253 bytes (Modbus Application Protocol v1.1b3, §4.1), so 254 at most. */
const MIN_LENGTH = 2;
const MAX_LENGTH = 254;
/** More than this many bytes waiting without a complete frame cannot be a valid stream. */
const MAX_BUFFER = 4 * (HEADER + MAX_LENGTH);

/**
 * The port object modbus-serial's client drives for Modbus TCP, over any byte stream (a socket in
 * the gateway, an in-memory stream in tests). It wraps each request frame in an MBAP header with
 * its own transaction id and emits each reply as one RTU-shaped frame (unit, PDU, CRC) for the
 * client to check.
 *
 * Why not modbus-serial's TcpPort: it frames replies by the header's length field alone and never
 * recovers from a bad one. A reply whose length field is wrong (or bytes that are not MBAP at all)
 * left it waiting for bytes that never come, and every later reply was read as the tail of the
 * bad one: one malformed frame cost the session for good.
 *
 * Here:
 * - A well-formed frame whose transaction id is not the one awaited (a late or repeated reply) is
 *   skipped whole, so the frames after it stay aligned.
 * - Bytes that cannot start a frame (protocol id ≠ 0, length outside 2..254: noise, padding, the
 *   tail of a frame whose length lied) are skipped up to the awaited reply's header (its
 *   transaction id, protocol 0 and a valid length), so a reply behind noise is still read. They
 *   are counted in `noise`; a request that then gets no reply is reported as a parse error
 *   rather than a timeout, and the link drops the session (a new connection is the only sure
 *   way back to a frame boundary).
 * - At most MAX_BUFFER bytes are ever held.
 * The client itself rejects a reply whose unit, function code or length does not match the request.
 */
export class MbapFramePort extends EventEmitter {
  /** Maintained by modbus-serial's client: one request at a time, so always 1 on its side. */
  _transactionIdRead = 1;
  _transactionIdWrite = 1;

  private buffer: Buffer = Buffer.alloc(0);
  private wireId = 0;
  private awaited: number | undefined;
  private open_ = true;
  /** Frames skipped because nobody awaited them (late, repeated). */
  skipped = 0;
  /** Bytes skipped since the last request because they could not start a frame. */
  noise = 0;

  constructor(private readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('close', () => {
      this.open_ = false;
      this.buffer = Buffer.alloc(0);
      this.emit('close');
    });
  }

  get isOpen(): boolean {
    return this.open_ && !this.stream.destroyed;
  }

  /** Bytes held while a frame is incomplete (bounded by MAX_BUFFER). */
  get buffered(): number {
    return this.buffer.length;
  }

  open(callback: (err?: Error) => void): void {
    callback();
  }

  close(callback?: (err?: Error) => void): void {
    this.open_ = false;
    this.stream.destroy();
    callback?.();
  }

  destroy(callback?: (err?: Error) => void): void {
    this.close(callback);
  }

  /** `frame` is what the client builds for RTU: unit, PDU, CRC (dropped here). */
  write(frame: Buffer): void {
    if (frame.length < 4) return;
    this.noise = 0;
    this.wireId = (this.wireId + 1) & 0xffff;
    this.awaited = this.wireId;
    const pdu = frame.subarray(0, frame.length - 2);
    const out = Buffer.alloc(HEADER + pdu.length);
    out.writeUInt16BE(this.wireId, 0);
    out.writeUInt16BE(0, 2);
    out.writeUInt16BE(pdu.length, 4);
    pdu.copy(out, HEADER);
    this.stream.write(out);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= HEADER) {
      if (!plausible(this.buffer, 0)) {
        this.skipNoise();
        continue;
      }
      const length = this.buffer.readUInt16BE(4);
      if (this.buffer.length < HEADER + length) break; // the rest is still on its way
      const id = this.buffer.readUInt16BE(0);
      const body = this.buffer.subarray(HEADER, HEADER + length);
      this.buffer = this.buffer.subarray(HEADER + length);
      if (id !== this.awaited) {
        this.skipped++;
        continue;
      }
      this.awaited = undefined;
      const rtu = Buffer.alloc(length + 2);
      body.copy(rtu, 0);
      rtu.writeUInt16LE(crc16(body), length);
      this.emit('data', rtu);
    }
    if (this.buffer.length > MAX_BUFFER) this.skipNoise();
    if (this.buffer.length === 0) this.buffer = Buffer.alloc(0); // do not pin the last chunk
  }

  /** Drops bytes up to the awaited reply's header, or all but a possible split header. */
  private skipNoise(): void {
    const b = this.buffer;
    let at = -1;
    if (this.awaited !== undefined) {
      for (let i = 1; i + HEADER <= b.length; i++) {
        if (b.readUInt16BE(i) === this.awaited && plausible(b, i)) {
          at = i;
          break;
        }
      }
    }
    const cut = at >= 0 ? at : Math.max(1, b.length - (HEADER - 1));
    this.noise += cut;
    this.buffer = Buffer.from(b.subarray(cut));
  }
}

/** Could bytes[at..] be an MBAP header: protocol 0 and a length the protocol allows. */
function plausible(b: Buffer, at: number): boolean {
  if (b.readUInt16BE(at + 2) !== 0) return false;
  const length = b.readUInt16BE(at + 4);
  return length >= MIN_LENGTH && length <= MAX_LENGTH;
}
