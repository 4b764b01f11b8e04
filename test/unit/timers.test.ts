/**
 * Every timer is safe for any value it can get (issue 12, defect 2): Node fires a setTimeout of
 * more than 2^31 - 1 ms after 1 ms (with a TimeoutOverflowWarning), so a 25-day timeout used to
 * be no timeout at all. The links' request timeouts, the sink runner's waits and the commit timer
 * clamp their delays (core/clock.ts timerMs); sleeps chunk them (Clock.sleep).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock, timerMs } from '../../src/core/clock.js';
import { MemoryLineLink, memoryModbusLink } from '../helpers/memory-links.js';
import { onRequests, replyFrame } from '../helpers/modbus-frames.js';

const DAYS_25 = 25 * 86_400_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Settles `p` into 'pending' if it has not settled after `ms` (a wait for something NOT to happen). */
async function stateAfter(p: Promise<unknown>, ms: number): Promise<string> {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setTimeout(r, ms));
  return state;
}

describe('timers', () => {
  it('timerMs clamps to what a timer holds', () => {
    expect(timerMs(DAYS_25)).toBe(MAX_TIMER_MS);
    expect(timerMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerMs(Number.NaN)).toBe(0);
    expect(timerMs(-5)).toBe(0);
    expect(timerMs(1500)).toBe(1500);
  });

  it('timerMs gives whole milliseconds, rounded up (never early; Node keeps a timer list per distinct duration)', () => {
    expect(timerMs(97.0001)).toBe(98);
    expect(timerMs(0.2)).toBe(1);
    expect(timerMs(MAX_TIMER_MS - 0.5)).toBe(MAX_TIMER_MS);
  });

  it('a line read with a 25-day timeout waits for its line', async () => {
    const link = new MemoryLineLink();
    cleanups.push(() => link.close());
    const connected = link.ends.next();
    link.start();
    const device = await connected;
    await link.waitConnected(1000);
    const read = link.exclusive((io) => io.readLine(DAYS_25));
    expect(await stateAfter(read, 50)).toBe('pending');
    device.write('late but fine\n');
    expect((await read).line).toBe('late but fine');
  });

  it('a Modbus request with a 25-day timeout waits for its reply', async () => {
    const { link, ends } = memoryModbusLink('tcp');
    cleanups.push(() => link.close());
    let answer: (() => void) | undefined;
    ends.onConnect = (end) => onRequests('tcp', end, (req) => (answer = () => void end.write(replyFrame('tcp', req))));
    link.start();
    await link.waitConnected(1000);
    const read = link.exclusive((io) => io.readRegisters(1, 3, 0, 2, DAYS_25));
    expect(await stateAfter(read, 50)).toBe('pending');
    answer!();
    expect((await read).registers).toHaveLength(2);
  });

  it('a Modbus request times out on its own deadline, also after the link’s reply timer fired with nothing in flight', async () => {
    const { link, ends } = memoryModbusLink('tcp');
    cleanups.push(() => link.close());
    let answering = true;
    ends.onConnect = (end) => onRequests('tcp', end, (req) => void (answering && end.write(replyFrame('tcp', req))));
    link.start();
    await link.waitConnected(1000);
    expect((await link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 60))).registers).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 150)); // the reply timer came and found nothing in flight
    expect((await link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 60))).registers).toHaveLength(2);
    answering = false;
    const sent = performance.now();
    await expect(link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 60))).rejects.toMatchObject({ code: 'TG_LINK_TIMEOUT' });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(59);
  });

  it('a 25-day sleep does not end at once', async () => {
    const stop = new AbortController();
    const sleep = systemClock.sleep(DAYS_25, stop.signal);
    expect(await stateAfter(sleep, 50)).toBe('pending');
    stop.abort();
    await expect(sleep).rejects.toBeDefined();
  });
});
