import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { crcValid } from './crc.js';

const EXCEPTION_LENGTH = 5;
/** An RTU frame is at most 256 bytes; twice that covers a frame behind any noise worth keeping. */
const MAX_BUFFER = 512;
/** A complete frame with a bad CRC is reported after this much silence with nothing better. */
const MIN_SILENCE_MS = 20;

/**
 * The port object modbus-serial's client drives for RTU: it writes request frames to an opened
 * byte stream (a serial port; an in-memory stream in tests) and emits each reply frame as one
 * 'data' event; the client checks the exception bit, the length and the payload.
 *
 * Why not modbus-serial's own RTUBufferedPort: it keeps bytes across requests, so a late reply
 * from a slow or timed-out unit could be taken as the answer to the next request. This port
 * discards everything received before each request, and frames a reply by its CRC: it scans for
 * the unit id and function code just requested (or its exception) at the length the request
 * implies, and emits the first candidate whose CRC holds, so noise before a reply (line noise,
 * a torn frame, a late reply from another unit) is skipped and the reply behind it is read.
 * - A candidate with a valid CRC but another length than expected (its byte count says so) is
 *   emitted too: the client rejects it as a length error at once, instead of a timeout.
 * - A complete candidate whose CRC fails is emitted only after the line went quiet (RTU frames end
 *   with silence) with nothing better, so the client reports the CRC error.
 * - At most MAX_BUFFER bytes are held.
 * RTU has no transaction id, so one case remains undetectable, as on any RTU master: a reply later
 * than the timeout that arrives while the next request to the same unit is in flight. Timeouts
 * must exceed the unit's worst response time.
 */
export class RtuFramePort extends EventEmitter {
  /** Maintained by modbus-serial's client (RTU has no transaction ids: always 1). */
  _transactionIdRead = 1;
  _transactionIdWrite = 1;

  private buffer: Buffer = Buffer.alloc(0);
  private unit = -1;
  private fc = -1;
  private expected = 0;
  private open_ = true;
  private suspect: Buffer | undefined;
  private silence: NodeJS.Timeout | undefined;
  private readonly silenceMs: number;
  /** Candidate frames seen with a bad CRC (noise, corruption). */
  corrupt = 0;

  constructor(
    private readonly stream: Duplex,
    frameGapMs = 0,
  ) {
    super();
    this.silenceMs = Math.max(MIN_SILENCE_MS, frameGapMs);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('close', () => {
      this.open_ = false;
      this.reset();
      this.emit('close');
    });
  }

  get isOpen(): boolean {
    return this.open_ && !this.stream.destroyed;
  }

  /** Bytes held now (bounded by MAX_BUFFER). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Bytes received since the last request that did not make its reply (yet). */
  get noise(): number {
    return this.buffer.length;
  }

  /** The stream is already open when the port is made. */
  open(callback: (err?: Error) => void): void {
    callback();
  }

  close(callback?: (err?: Error) => void): void {
    this.open_ = false;
    this.reset();
    this.stream.destroy();
    callback?.();
  }

  destroy(callback?: (err?: Error) => void): void {
    this.close(callback);
  }

  write(frame: Buffer): void {
    this.reset();
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

  private reset(): void {
    clearTimeout(this.silence);
    this.silence = undefined;
    this.buffer = Buffer.alloc(0);
    this.suspect = undefined;
    this.expected = 0;
  }

  private onData(chunk: Buffer): void {
    if (this.expected === 0) return; // nothing asked: noise, or a reply nobody waits for
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_BUFFER) this.buffer = this.buffer.subarray(-MAX_BUFFER);
    const frame = this.scan();
    if (frame) return this.deliver(frame);
    clearTimeout(this.silence);
    this.silence = setTimeout(() => this.onSilence(), this.silenceMs);
  }

  /** The first candidate with a valid CRC; notes the first complete one with a bad CRC. */
  private scan(): Buffer | undefined {
    const b = this.buffer;
    this.suspect = undefined;
    for (let i = 0; i + EXCEPTION_LENGTH <= b.length; i++) {
      if (b[i] !== this.unit) continue;
      const code = b[i + 1];
      if (code === (this.fc | 0x80)) {
        if (crcValid(b, i, i + EXCEPTION_LENGTH)) return b.subarray(i, i + EXCEPTION_LENGTH);
        this.suspect ??= b.subarray(i, i + EXCEPTION_LENGTH);
        continue;
      }
      if (code !== this.fc) continue;
      const end = i + this.expected;
      if (end <= b.length && crcValid(b, i, end)) return b.subarray(i, end);
      if (this.fc >= 1 && this.fc <= 4) {
        const stated = i + 5 + b[i + 2]!;
        if (stated !== end && stated <= b.length && crcValid(b, i, stated)) return b.subarray(i, stated);
      }
      if (end <= b.length) this.suspect ??= b.subarray(i, end);
    }
    return undefined;
  }

  private onSilence(): void {
    this.silence = undefined;
    if (this.expected === 0 || !this.suspect) return;
    this.corrupt++;
    this.deliver(this.suspect);
  }

  private deliver(frame: Buffer): void {
    const copy = Buffer.from(frame);
    this.reset();
    this.emit('data', copy);
  }
}
