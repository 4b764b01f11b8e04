/**
 * Generators of hostile input for the link and driver fuzz tests: garbage for line devices, and
 * mutations of Modbus replies (RTU and TCP), applied by a unit that answers as scripted.
 */
import fc from 'fast-check';
import { MAX_LINE_CHARS } from '../../src/links/stream-line-link.js';
import type { DeviceEnds } from './memory-links.js';
import { exceptionFrame, goodRegisters, onRequests, replyFrame, type Framing, type ReadRequest } from './modbus-frames.js';

/** Bytes cut into chunks at the given points. */
export function chunked(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(data.subarray(from, p));
    from = p;
  }
  out.push(data.subarray(from));
  return out.filter((c) => c.length > 0);
}

export const GOOD_LINE = '+1.00000123E+01';
export const terminators = { LF: '\n', CR: '\r', CRLF: '\r\n' } as const;

/** Garbage a line device might send: noise with and without terminators, mutated replies,
 *  over-long lines, NULs and high bytes. */
export const lineGarbage: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'latin1')) },
  {
    weight: 3,
    arbitrary: fc
      .record({ at: fc.nat(), insert: fc.constantFrom('\n', '\r', '\0', '\xff', 'E', '', '\r\n'), drop: fc.boolean() })
      .map(({ at, insert, drop }) => {
        const i = at % (GOOD_LINE.length + 1);
        return Buffer.from(GOOD_LINE.slice(0, i) + insert + GOOD_LINE.slice(drop ? i + 1 : i) + '\n', 'latin1');
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: MAX_LINE_CHARS - 10, max: MAX_LINE_CHARS * 2 }), end: fc.constantFrom('', '\n', '\r\n', '\r') })
      .map(({ n, end }) => Buffer.from('x'.repeat(n) + end)),
  },
  { weight: 2, arbitrary: fc.array(fc.constantFrom('\n', '\r', '\r\n', 'A', 'B'), { maxLength: 50 }).map((a) => Buffer.from(a.join(''))) },
);

/** Counts what a fuzz test fed, for its closing line: property runs and hostile inputs. */
export class FuzzTally {
  runs = 0;
  inputs = 0;
  readonly outcomes = new Map<string, number>();
  note(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }
  toString(): string {
    return `${this.runs} runs, ${this.inputs} hostile inputs; outcomes ${JSON.stringify(Object.fromEntries(this.outcomes))}`;
  }
}

export type Mutation =
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'prefix'; bytes: Uint8Array }
  | { kind: 'length'; value: number }
  | { kind: 'byteCount'; delta: number }
  | { kind: 'tid'; delta: number }
  | { kind: 'unit'; value: number }
  | { kind: 'fc'; value: number }
  | { kind: 'exception'; code: number }
  | { kind: 'twice' }
  | { kind: 'silent' };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('prefix' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant('byteCount' as const), delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('tid' as const), delta: fc.integer({ min: 1, max: 0xfffe }) }),
  fc.record({ kind: fc.constant('unit' as const), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('fc' as const), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('exception' as const), code: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ kind: 'twice' as const }),
  fc.constant({ kind: 'silent' as const }),
);

/** What a hostile unit sends for `req` under `m`. */
export function mutate(framing: Framing, req: ReadRequest, m: Mutation): Buffer {
  const good = replyFrame(framing, req);
  const header = framing === 'tcp' ? 6 : 0;
  switch (m.kind) {
    case 'random':
      return Buffer.from(m.bytes);
    case 'flip': {
      const b = Buffer.from(good);
      b[m.at % b.length]! ^= m.xor;
      return b;
    }
    case 'truncate':
      return good.subarray(0, m.keep % good.length);
    case 'extend':
      return Buffer.concat([good, m.bytes]);
    case 'prefix':
      return Buffer.concat([m.bytes, good]);
    case 'length': {
      if (framing === 'rtu') return good.subarray(0, Math.min(good.length, m.value % 8));
      const b = Buffer.from(good);
      b.writeUInt16BE(m.value, 4);
      return b;
    }
    case 'byteCount': {
      const regs = Math.max(0, req.count + m.delta);
      return replyFrame(framing, req, goodRegisters(regs));
    }
    case 'tid': {
      if (framing === 'rtu') return good.subarray(1);
      const b = Buffer.from(good);
      b.writeUInt16BE((req.tid + m.delta) & 0xffff, 0);
      return b;
    }
    case 'unit':
      return replyFrame(framing, { ...req, unit: m.value });
    case 'fc':
      return replyFrame(framing, { ...req, fc: m.value });
    case 'exception':
      return exceptionFrame(framing, req, m.code);
    case 'twice':
      return Buffer.concat([good, good]);
    case 'silent':
      return good.subarray(0, header);
  }
}

/** A unit that answers each request with what the test queued for it, else correctly. */
export function hostileUnit(framing: Framing, ends: DeviceEnds) {
  const script: { mutation: Mutation; cuts: number[] }[] = [];
  ends.onConnect = (end) =>
    onRequests(framing, end, (req) => {
      const step = script.shift();
      if (!step) return void end.write(replyFrame(framing, req));
      for (const c of chunked(mutate(framing, req, step.mutation), step.cuts)) end.write(c);
    });
  return script;
}

