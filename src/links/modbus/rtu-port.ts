import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

const EXCEPTION_LENGTH = 5;
const MAX_BUFFER = 512;

/**
 * The port object modbus-serial's client drives for RTU: it writes request frames to an opened
 * serial stream and emits each complete reply frame as one 'data' event; the client checks the
 * CRC, the exception bit and the payload.
 *
 * Why not modbus-serial's own RTUBufferedPort: it keeps bytes across requests, so a late reply
 * from a slow or timed-out unit could be taken as the answer to the next request. This port
 * discards everything received before each request, and only frames a reply that starts with the
 * unit id and function code just requested (a late reply from another unit on the bus is skipped).
 * RTU has no transaction id, so one case remains undetectable, as on any RTU master: a reply later
 * than the timeout that arrives while the next request to the same unit is in flight. Timeouts
 * must exceed the unit's worst response time.
 */
export class RtuFramePort extends EventEmitter {
  /** Maintained by modbus-serial's client (RTU has no transaction ids: always 1). */
  _transactionIdRead = 1;
  _transactionIdWrite = 1;

  private buffer = Buffer.alloc(0);
  private unit = -1;
  private fc = -1;
  private expected = 0;
  private open_ = true;

  constructor(private readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('close', () => {
      this.open_ = false;
      this.emit('close');
    });
  }

  get isOpen(): boolean {
    return this.open_ && !this.stream.destroyed;
  }

  /** The stream is already open when the port is made. */
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

  write(frame: Buffer): void {
    this.buffer = Buffer.alloc(0);
    this.unit = frame[0] ?? -1;
    this.fc = frame[1] ?? -1;
    // Read requests (FC 1-4) give the count at bytes 4-5; the reply is unit, fc, byte count, data, CRC.
    const count = frame.length >= 6 ? frame.readUInt16BE(4) : 0;
    if (this.fc === 3 || this.fc === 4) this.expected = 5 + 2 * count;
    else if (this.fc === 1 || this.fc === 2) this.expected = 5 + Math.ceil(count / 8);
    else if (this.fc === 5 || this.fc === 6 || this.fc === 15 || this.fc === 16) this.expected = 8;
    else this.expected = 0;
    this.stream.write(frame);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_BUFFER) this.buffer = this.buffer.subarray(-MAX_BUFFER);
    if (this.expected === 0) return;
    for (let i = 0; i + EXCEPTION_LENGTH <= this.buffer.length; i++) {
      if (this.buffer[i] !== this.unit) continue;
      const code = this.buffer[i + 1];
      let length = 0;
      if (code === this.fc) length = this.expected;
      else if (code === (this.fc | 0x80)) length = EXCEPTION_LENGTH;
      else continue;
      if (i + length > this.buffer.length) return; // the frame is still arriving
      const frame = this.buffer.subarray(i, i + length);
      this.buffer = Buffer.alloc(0);
      this.expected = 0;
      this.emit('data', Buffer.from(frame));
      return;
    }
  }
}
