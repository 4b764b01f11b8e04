/**
 * Fuzzing the links with fast-check (issue 12): random and mutated frames go to the real line
 * link and the real Modbus link (RTU and TCP framing) over in-memory streams. Whatever arrives,
 * nothing crashes or hangs, the link's buffers stay bounded, and a well-formed reply sent after the
 * garbage is always read. Drivers get the same treatment in drivers-fuzz.test.ts; a few cases run
 * over real sockets and ptys in links-fuzz-real.test.ts.
 *
 * With the driver fuzz about 45 000 property runs feed about 10^5 hostile inputs (each test prints
 * its tally); FUZZ_SCALE multiplies the counts (default 1).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../src/core/errors.js';
import { MAX_LINE_CHARS } from '../../src/links/stream-line-link.js';
import type { ModbusLink } from '../../src/links/modbus/modbus-link.js';
import { MemoryLineLink, memoryModbusLink } from '../helpers/memory-links.js';
import { goodRegisters, type Framing } from '../helpers/modbus-frames.js';
import { chunked, FuzzTally, GOOD_LINE, hostileUnit, lineGarbage, mutation, terminators } from '../helpers/fuzz.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(10, Math.round(n * SCALE));
/** A good reply is awaited this long at most: it arrives in microseconds, the margin is for load. */
const GOOD_TIMEOUT_MS = 10_000;
/** A request answered with garbage gives up this fast (its outcome is not judged). */
const BAD_TIMEOUT_MS = 1;
/** Generous: a fuzz test's time is its case count, not a margin. */
const TEST_TIMEOUT_MS = 600_000;

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------
// Line link

describe('line link fuzz (in-memory)', () => {
  for (const term of ['LF', 'CRLF', 'CR'] as const) {
    describe(`read terminator ${term}`, () => {
      let link: MemoryLineLink;
      let device: import('node:stream').Duplex;
      let replies = 0;
      let pendingGarbage: Buffer[] = [];
      const tally = new FuzzTally();
      beforeAll(async () => {
        link = new MemoryLineLink({ readTerminator: term, writeTerminator: 'LF' });
        link.ends.onConnect = (end) => {
          let buffer = '';
          end.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('latin1');
            for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
              const cmd = buffer.slice(0, i);
              buffer = buffer.slice(i + 1);
              // GARBAGE: the reply is the garbage queued for it; QUERY n: the good reply.
              if (cmd === 'GARBAGE') for (const c of pendingGarbage.splice(0)) end.write(c);
              else end.write(`${GOOD_LINE} #${cmd}${terminators[term]}`, 'latin1');
              replies++;
            }
          });
        };
        const first = link.ends.next();
        link.start();
        device = await first;
        await link.waitConnected(5000);
      });
      afterAll(async () => {
        await link.close();
        console.info(`line fuzz (${term}): ${tally}`);
      });

      it('garbage before a query never hides its reply; buffers stay bounded', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(lineGarbage, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), async (garbage, cuts) => {
            tally.runs++;
            tally.inputs += garbage.length;
            for (const g of garbage) for (const c of chunked(g, cuts)) device.write(c);
            await settle();
            const backlog = link.inputBacklog();
            expect(backlog.partial).toBeLessThanOrEqual(MAX_LINE_CHARS + 2);
            expect(backlog.lines).toBeLessThanOrEqual(1000);
            expect(backlog.chars).toBeLessThanOrEqual(1024 * 1024 + MAX_LINE_CHARS);
            const n = replies;
            const reply = await link.exclusive((io) => io.query(`Q${n}`, GOOD_TIMEOUT_MS));
            expect(reply.line).toBe(`${GOOD_LINE} #Q${n}`);
          }),
          { numRuns: runs(7_000) },
        );
      }, TEST_TIMEOUT_MS);

      it('a garbage reply ends in a line or a timeout, and the next query reads its reply', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(lineGarbage, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), async (garbage, cuts) => {
            tally.runs++;
            tally.inputs += garbage.length;
            pendingGarbage = garbage.flatMap((g) => chunked(g, cuts));
            const outcome = await link.exclusive((io) => io.query('GARBAGE', BAD_TIMEOUT_MS)).then(
              (r) => (r.line.length <= MAX_LINE_CHARS ? 'line' : 'too long'),
              (e: unknown) => errorCode(e),
            );
            tally.note(outcome);
            expect(['line', 'TG_LINK_TIMEOUT']).toContain(outcome);
            await settle();
            const n = replies;
            const reply = await link.exclusive((io) => io.query(`Q${n}`, GOOD_TIMEOUT_MS));
            expect(reply.line).toBe(`${GOOD_LINE} #Q${n}`);
          }),
          { numRuns: runs(1_200) },
        );
      }, TEST_TIMEOUT_MS);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Modbus

const ALLOWED_BAD = ['resolved', 'TG_PARSE_ERROR', 'TG_LINK_TIMEOUT', 'TG_MODBUS_EXCEPTION', 'TG_LINK_CLOSED', 'TG_LINK_DOWN'];

describe.each<Framing>(['tcp', 'rtu'])('Modbus %s link fuzz (in-memory)', (framing) => {
  let link: ModbusLink;
  let script: ReturnType<typeof hostileUnit>;
  const tally = new FuzzTally();
  beforeAll(async () => {
    const made = memoryModbusLink(framing);
    link = made.link;
    script = hostileUnit(framing, made.ends);
    link.start();
    await link.waitConnected(5000);
  });
  afterAll(async () => {
    await link.close();
    // Shows in the test output what the fuzz exercised.
    console.info(`modbus ${framing} fuzz: ${tally}`);
  });

  const read = (timeoutMs: number) => link.exclusive((io) => io.readRegisters(1, 3, 0, 2, timeoutMs));

  it('after any bad replies the next good reply is read; framer buffers stay bounded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ mutation, cuts: fc.array(fc.nat(), { maxLength: 5 }) }), { minLength: 1, maxLength: 3 }), async (steps) => {
        tally.runs++;
        tally.inputs += steps.length;
        for (const step of steps) {
          script.push(step);
          const outcome = await read(BAD_TIMEOUT_MS).then(
            () => 'resolved',
            (e: unknown) => errorCode(e),
          );
          tally.note(`${step.mutation.kind}:${outcome}`);
          expect(ALLOWED_BAD).toContain(outcome);
          script.length = 0; // a step its request never consumed (link down) is not carried over
        }
        const good = await read(GOOD_TIMEOUT_MS);
        expect(good.registers).toEqual(goodRegisters(2));
        expect(sessionBuffered(link)).toBeLessThanOrEqual(1040);
      }),
      { numRuns: runs(framing === 'tcp' ? 6_000 : 4_000) },
    );
  }, TEST_TIMEOUT_MS);

  if (framing === 'rtu') {
    it('noise before a reply in the same answer never hides the reply', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.array(fc.nat(), { maxLength: 5 }), async (noise, cuts) => {
          tally.runs++;
          tally.inputs++;
          script.push({ mutation: { kind: 'prefix', bytes: noise }, cuts });
          const r = await read(GOOD_TIMEOUT_MS);
          expect(r.registers).toEqual(goodRegisters(2));
        }),
        { numRuns: runs(4_000) },
      );
    }, TEST_TIMEOUT_MS);
  }
});

/** Bytes the current session's framer holds (0 between sessions). */
function sessionBuffered(link: ModbusLink): number {
  const session = (link as unknown as { session?: { buffered(): number } }).session;
  return session?.buffered() ?? 0;
}

