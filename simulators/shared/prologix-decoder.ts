/**
 * Splits the byte stream a Prologix GPIB-ETHERNET adapter receives into frames, as its firmware
 * does (manual v1.6): an unescaped CR or LF ends a frame; ESC makes the next byte literal (and is
 * dropped); a frame whose first two bytes are unescaped '+' is an adapter command, any other
 * frame is data for the addressed instrument. Empty frames (CR LF pairs) are skipped. Pure.
 */

export type PrologixFrame = { kind: 'command'; text: string } | { kind: 'data'; text: string };

const ESC = '\x1b';
/** A frame longer than this (noise, a peer that never ends its lines) is dropped. */
const MAX_FRAME_CHARS = 64 * 1024;

export class PrologixDecoder {
  private frame = '';
  private escaped = false;
  /** True while every byte so far at positions 0 and 1 was an unescaped '+'. */
  private commandPrefix = true;

  /** Feeds latin1 text; returns the frames it completed, in order. */
  push(chunk: string): PrologixFrame[] {
    const frames: PrologixFrame[] = [];
    for (const c of chunk) {
      if (this.escaped) {
        this.escaped = false;
        this.append(c, true);
      } else if (c === ESC) {
        this.escaped = true;
      } else if (c === '\r' || c === '\n') {
        const frame = this.take();
        if (frame) frames.push(frame);
      } else {
        this.append(c, false);
      }
    }
    return frames;
  }

  private append(c: string, literal: boolean): void {
    if (this.frame.length < 2 && (literal || c !== '+')) this.commandPrefix = false;
    this.frame += c;
    if (this.frame.length > MAX_FRAME_CHARS) this.reset();
  }

  private take(): PrologixFrame | undefined {
    const text = this.frame;
    const command = this.commandPrefix && text.length >= 2;
    this.reset();
    if (text.length === 0) return undefined;
    return command ? { kind: 'command', text: text.slice(2).trim() } : { kind: 'data', text };
  }

  private reset(): void {
    this.frame = '';
    this.commandPrefix = true;
  }
}
