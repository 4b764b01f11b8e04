import { readFile } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeviceLoops } from '../../src/acquisition/device-loops.js';
import { DeviceRunner, type DeviceRunnerDeps } from '../../src/acquisition/device-runner.js';
import { FakeClock, systemClock, type Clock } from '../../src/core/clock.js';
import type { Driver, LineDriverDefinition } from '../../src/core/driver.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition, ClockSyncState, DeviceIdentity, GatewayEvent, RawReading } from '../../src/core/types.js';
import type { DeviceConfig } from '../../src/config/schema.js';
import type { Link } from '../../src/links/types.js';
import { connectedLink } from '../helpers/connected-link.js';

/** A link that is always connected; the drivers below never use its I/O. */
interface Behaviour {
  identity?: DeviceIdentity;
  /** Returns a value, or throws, per call number. */
  read: (call: number, signal: AbortSignal) => Promise<number>;
}

function driverDef(behaviours: Record<string, Behaviour>, connects: Record<string, number>): LineDriverDefinition {
  return {
    kind: 'fake',
    description: 'scripted driver',
    linkKind: 'line',
    config: z.object({ name: z.string() }),
    create: (cfg: { name: string }): Driver => {
      const b = behaviours[cfg.name]!;
      let calls = 0;
      return {
        connect: async () => {
          connects[cfg.name] = (connects[cfg.name] ?? 0) + 1;
          return b.identity ?? null;
        },
        read: async (signal) => [{ channel: 'ch', quantity: 'voltage', unit: 'V', value: await b.read(++calls, signal) }],
        close: async () => undefined,
      };
    },
  };
}

function device(id: string, link: string, extra: Partial<DeviceConfig> = {}): DeviceConfig {
  return { id, driver: 'fake', link, interval: 10, timeout: 200, enabled: true, options: { name: id }, ...extra };
}

/** Runs the device loops until `done` holds (checked as acquisitions and events arrive), then stops them. */
async function runUntil(
  devices: DeviceConfig[],
  behaviours: Record<string, Behaviour>,
  done: (s: { acquisitions: Acquisition[]; events: GatewayEvent[] }) => boolean,
) {
  const acquisitions: Acquisition[] = [];
  const events: GatewayEvent[] = [];
  const connects: Record<string, number> = {};
  const links = new Map<string, Link>(devices.map((d) => [d.link, connectedLink(d.link)]));
  const loops = new DeviceLoops(devices, {
    drivers: [driverDef(behaviours, connects)],
    links,
    clock: systemClock,
    log: silentLogger(),
    output: {
      acquisition: async (a) => void acquisitions.push(a),
      event: async (e) => void events.push(e),
    },
  });
  loops.start();
  try {
    await vi.waitFor(() => expect(done({ acquisitions, events })).toBe(true), { timeout: 20_000, interval: 5 });
  } catch (err) {
    await loops.stop();
    throw err;
  }
  const status = loops.devices(); // read while the loops still run, as the API would
  await loops.stop();
  return { acquisitions, events, connects, status };
}

describe('acquisition', () => {
  it('polls a device, one acquisition per poll with its channels, time-stamped, and counts them', async () => {
    const before = Date.now();
    const { acquisitions, status } = await runUntil([device('a', 'l1')], { a: { read: async () => 10 } }, (s) => s.acquisitions.length >= 4);
    const after = Date.now();
    expect(acquisitions[0]).toEqual({ device: 'a', time: expect.any(Number), clock: 'unknown', channels: { ch: { quantity: 'voltage', value: 10, unit: 'V' } } });
    expect(acquisitions[0]!.time).toBeGreaterThanOrEqual(before);
    expect(acquisitions[0]!.time).toBeLessThanOrEqual(after);
    expect(status[0]).toMatchObject({ id: 'a', state: 'connected', errors: 0 });
    expect(status[0]!.readings).toBeGreaterThanOrEqual(4);
  });

  it('flags every channel identity_mismatch and journals an alarm when the identity differs', async () => {
    const identity = { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'OTHER' };
    const { acquisitions, events, status } = await runUntil(
      [device('a', 'l1', { identity: { model: '34465A', serial: 'MY123' } })],
      { a: { identity, read: async () => 10 } },
      (s) => s.acquisitions.length >= 3 && s.events.some((e) => e.type === 'identity_mismatch'),
    );
    expect(acquisitions.every((a) => a.channels.ch!.flags!.includes('identity_mismatch'))).toBe(true);
    expect(events.find((e) => e.type === 'identity_mismatch')).toMatchObject({ severity: 'alarm', device: 'a' });
    expect(status[0]).toMatchObject({ identityMatches: false });
    expect(status[0]!.errorsByCode.TG_IDENTITY_MISMATCH).toBe(1);
  });

  it('after a failed read counts the error by code, reconnects and goes on reading', async () => {
    const { acquisitions, events, connects, status } = await runUntil(
      [device('a', 'l1')],
      {
        a: {
          read: async (call) => {
            if (call === 3) throw new TgError('TG_LINK_TIMEOUT', 'scripted');
            return call;
          },
        },
      },
      (s) => s.acquisitions.some((a) => a.channels.ch!.value === 4),
    );
    expect(status[0]!.errorsByCode.TG_LINK_TIMEOUT).toBe(1);
    expect(connects.a).toBe(2);
    expect(acquisitions.map((a) => a.channels.ch!.value).slice(0, 3)).toEqual([1, 2, 4]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['device_connected', 'device_faulted']));
  });

  it('a device that hangs never delays a device on another link', async () => {
    let deadReads = 0;
    const { acquisitions } = await runUntil(
      [device('dead', 'l1'), device('live', 'l2')],
      {
        // The dead device's first read never answers (until the loops stop).
        dead: {
          read: (_call, signal) =>
            new Promise((_r, reject) => {
              deadReads++;
              signal.addEventListener('abort', () => reject(new TgError('TG_ABORTED')), { once: true });
            }),
        },
        live: { read: async () => 1 },
      },
      (s) => s.acquisitions.filter((a) => a.device === 'live').length >= 20,
    );
    // The live device polled 20 times while the dead one was still waiting for its first answer.
    expect(deadReads).toBe(1);
    expect(acquisitions.filter((a) => a.device === 'dead')).toHaveLength(0);
  });
});

/** A DeviceRunner on a scripted driver, with a fake clock unless told otherwise. */
function runner(
  driver: Partial<Driver>,
  opts: { clock?: Clock; interval?: number; clockSync?: { state(): ClockSyncState } } = {},
) {
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 0, 1));
  const acquisitions: Acquisition[] = [];
  const def: LineDriverDefinition = {
    kind: 'fake',
    description: 'scripted',
    linkKind: 'line',
    config: z.object({}),
    create: (): Driver => ({ connect: async () => null, close: async () => undefined, ...driver }),
  };
  const deps: DeviceRunnerDeps = {
    clock,
    log: silentLogger(),
    output: { acquisition: async (a) => void acquisitions.push(a), event: async () => undefined },
    ...(opts.clockSync ? { clockSync: opts.clockSync } : {}),
  };
  const r = new DeviceRunner({ id: 'dev', driver: 'fake', link: 'l', interval: opts.interval ?? 1000, timeout: 500, enabled: true, options: {} }, def, connectedLink('l'), deps);
  const controller = new AbortController();
  r.start(controller.signal);
  return {
    runner: r,
    clock,
    acquisitions,
    stop: async () => {
      controller.abort();
      await r.stopped();
    },
  };
}

const ch = (channel: string, value: number | null, extra: Partial<RawReading> = {}): RawReading => ({ channel, quantity: 'voltage', value, unit: 'V', ...extra });

describe('one poll cycle is one acquisition', () => {
  it('five channels of one read become ONE acquisition with five channels and one time stamp, the midpoint of the read', async () => {
    const fake = new FakeClock(Date.UTC(2026, 0, 1));
    const t = runner(
      {
        read: async () => {
          fake.advance(100); // the query takes 100 ms
          return [ch('ch1', 1), ch('ch2', 2, { u: 1e-6 }), ch('ch3', 3, { flags: ['overrange'] }), ch('ch4', 4, { extra: { nplc: 10 } }), ch('ch5', 5)];
        },
      },
      { clock: fake },
    );
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    await t.stop();
    expect(t.acquisitions[0]).toEqual({
      device: 'dev',
      time: Date.UTC(2026, 0, 1) + 50,
      clock: 'unknown',
      channels: {
        ch1: { quantity: 'voltage', value: 1, unit: 'V' },
        ch2: { quantity: 'voltage', value: 2, unit: 'V', u: 1e-6 },
        ch3: { quantity: 'voltage', value: 3, unit: 'V', flags: ['overrange'] },
        ch4: { quantity: 'voltage', value: 4, unit: 'V', extra: { nplc: 10 } },
        ch5: { quantity: 'voltage', value: 5, unit: 'V' },
      },
    });
    expect(t.runner.snapshot().readings).toBe(1); // one acquisition, however many channels
  });

  it('the time stamp is the midpoint of the times the driver gave its readings, rounded to the ms', async () => {
    const T = Date.UTC(2026, 0, 1, 0, 0, 10);
    const t = runner({ read: async () => [ch('a', 1, { time: T + 10 }), ch('b', 2, { time: T }), ch('c', 3, { time: T + 25 })] });
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    await t.stop();
    expect(t.acquisitions[0]!.time).toBe(T + 13); // (T + T+25) / 2 = T+12.5, rounded
    expect(Object.keys(t.acquisitions[0]!.channels)).toEqual(['a', 'b', 'c']);
  });

  it('a channel given twice (or unnamed) in one cycle is dropped with a counted error; the first one is kept', async () => {
    const t = runner({ read: async () => [ch('a', 1), ch('b', 2), ch('a', 99), ch('', 5), ch('c', 3)] });
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    await t.stop();
    expect(t.acquisitions[0]!.channels).toEqual({
      a: { quantity: 'voltage', value: 1, unit: 'V' },
      b: { quantity: 'voltage', value: 2, unit: 'V' },
      c: { quantity: 'voltage', value: 3, unit: 'V' },
    });
    const s = t.runner.snapshot();
    expect(s.errorsByCode.TG_DRIVER_BUG).toBe(2);
    expect(s.lastError).toMatch(/TG_DRIVER_BUG/);
  });

  it('a non-finite value becomes null with parse_error (counted); non-finite u and extras are left out', async () => {
    const shared: RawReading['flags'] = ['overrange'];
    const t = runner({
      read: async () => [
        ch('nan', Number.NaN),
        ch('inf', Number.POSITIVE_INFINITY, { flags: shared }),
        ch('ok', 1.5, { u: Number.NaN, extra: { good: 1, bad: Number.NEGATIVE_INFINITY, s: 'x' } }),
      ],
    });
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    await t.stop();
    expect(t.acquisitions[0]!.channels).toEqual({
      nan: { quantity: 'voltage', value: null, unit: 'V', flags: ['parse_error'] },
      inf: { quantity: 'voltage', value: null, unit: 'V', flags: ['overrange', 'parse_error'] },
      ok: { quantity: 'voltage', value: 1.5, unit: 'V', extra: { good: 1, s: 'x' } },
    });
    expect(shared).toEqual(['overrange']); // the driver's array is not changed
    expect(t.runner.snapshot().errorsByCode.TG_PARSE_ERROR).toBe(2);
  });

  it('polls on a grid of its interval shared by every device (its first poll at once), and after an overrun goes back to it', async () => {
    const fake = new FakeClock();
    fake.advance(1030); // the monotonic clock is at 1030 ms
    const polledA: number[] = [];
    const a = runner({ read: async () => (polledA.push(fake.monotonic()), [ch('a', 1)]) }, { clock: fake, interval: 100 });
    await vi.waitFor(() => expect(polledA).toEqual([1030]));
    fake.advance(45);
    const polledB: number[] = [];
    // B's third read (at 1200) takes 130 ms: the slot at 1300 has passed when it answers.
    const b = runner({ read: async () => (polledB.push(fake.monotonic()) === 3 && fake.advance(130), [ch('b', 1)]) }, { clock: fake, interval: 100 });
    await vi.waitFor(() => expect(polledB).toEqual([1075]));
    fake.advance(25); // 1100: a slot of both
    await vi.waitFor(() => expect(polledA).toEqual([1030, 1100]));
    await vi.waitFor(() => expect(polledB).toEqual([1075, 1100]));
    fake.advance(100);
    await vi.waitFor(() => expect(polledB).toEqual([1075, 1100, 1200, 1330])); // at once, not at 1430
    await vi.waitFor(() => expect(polledA).toEqual([1030, 1100, 1200, 1330])); // A's timer fired late
    fake.advance(70); // 1400: both are back on the grid
    await vi.waitFor(() => expect(polledB).toEqual([1075, 1100, 1200, 1330, 1400]));
    await vi.waitFor(() => expect(polledA).toEqual([1030, 1100, 1200, 1330, 1400]));
    await a.stop();
    await b.stop();
  });

  it('a cycle with no usable channel is no acquisition', async () => {
    let calls = 0;
    const fake = new FakeClock();
    const t = runner({ read: async () => (++calls === 1 ? [] : [ch('a', calls)]) }, { clock: fake, interval: 100 });
    await vi.waitFor(() => expect(calls).toBe(1));
    fake.advance(100);
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    await t.stop();
    expect(t.acquisitions[0]!.channels.a!.value).toBe(2);
    expect(t.runner.snapshot().readings).toBe(1);
  });

  it('while the clock is not synchronised every channel is flagged clock_unsynced before it leaves acquisition', async () => {
    let sync: ClockSyncState = 'no';
    const fake = new FakeClock();
    const t = runner({ read: async () => [ch('a', 1, { flags: ['settling'] }), ch('b', 2)] }, { clock: fake, interval: 100, clockSync: { state: () => sync } });
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(1));
    sync = 'yes';
    fake.advance(100);
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(2));
    sync = 'unknown';
    fake.advance(100);
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(3));
    await t.stop();
    const [unsynced, synced, unknown] = t.acquisitions;
    expect(unsynced).toMatchObject({ clock: 'no', channels: { a: { flags: ['settling', 'clock_unsynced'] }, b: { flags: ['clock_unsynced'] } } });
    expect(synced!.clock).toBe('yes');
    expect(synced!.channels.b).not.toHaveProperty('flags');
    expect(unknown!.clock).toBe('unknown');
    expect(unknown!.channels.b).not.toHaveProperty('flags');
  });

  it('a streaming driver: each line (one call of onAcquisition) is one acquisition', async () => {
    const T = Date.UTC(2026, 0, 1, 1);
    const t = runner({
      stream: async (onAcquisition, signal) => {
        onAcquisition([ch('rh', 45, { time: T }), ch('t', 23.1, { time: T }), ch('p', 1013, { time: T })]);
        onAcquisition([ch('rh', 46, { time: T + 2000 }), ch('t', 23.2, { time: T + 2000 }), ch('p', 1012, { time: T + 2000 })]);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    await vi.waitFor(() => expect(t.acquisitions).toHaveLength(2));
    await t.stop();
    expect(t.acquisitions.map((a) => [a.time, Object.keys(a.channels)])).toEqual([
      [T, ['rh', 't', 'p']],
      [T + 2000, ['rh', 't', 'p']],
    ]);
    expect(t.acquisitions[1]!.channels.rh!.value).toBe(46);
  });
});

describe('interval 0', () => {
  it('the system clock sleeps 0 ms without a timer: it resolves before a 0 ms timeout armed just before it', async () => {
    // Inside an I/O callback Node runs setImmediate callbacks (the check phase) before any timer;
    // a sleep built on setTimeout would come after the timer that was armed first.
    const order = await new Promise<string[]>((resolve, reject) => {
      readFile(import.meta.filename, (err) => {
        if (err) return reject(err);
        const seen: string[] = [];
        setTimeout(() => {
          seen.push('timer');
          resolve(seen);
        }, 0);
        void systemClock.sleep(0).then(() => seen.push('sleep 0'));
        void systemClock.sleep(-5).then(() => seen.push('sleep -5'));
      });
    });
    expect(order).toEqual(['sleep 0', 'sleep -5', 'timer']);
    // An aborted sleep still rejects at once.
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(systemClock.sleep(0, ac.signal)).rejects.toThrow('stop');
  });

  it('with interval 0 the next request goes out before the reply before it is delivered; with an interval it does not', async () => {
    const delivered: number[] = []; // acquisitions delivered when each read started
    let t: ReturnType<typeof runner> | undefined;
    t = runner({ read: async () => (delivered.push(t?.acquisitions.length ?? 0), [ch('a', delivered.length)]) }, { clock: systemClock, interval: 0 });
    await vi.waitFor(() => expect(t!.acquisitions.length).toBeGreaterThanOrEqual(5));
    await t.stop();
    expect(delivered.slice(0, 5)).toEqual([0, 0, 1, 2, 3]); // read n+1 starts while reply n is still in hand
    expect(t.acquisitions.slice(0, 5).map((a) => a.channels.a!.value)).toEqual([1, 2, 3, 4, 5]); // in order

    const fake = new FakeClock();
    const seen: number[] = [];
    const u = runner({ read: async () => (seen.push(u.acquisitions.length), [ch('a', 1)]) }, { clock: fake, interval: 100 });
    await vi.waitFor(() => expect(u.acquisitions).toHaveLength(1));
    fake.advance(100);
    await vi.waitFor(() => expect(u.acquisitions).toHaveLength(2));
    await u.stop();
    expect(seen.slice(0, 2)).toEqual([0, 1]);
  });

  it('a device with interval 0 never asks to wait between polls (back to back), and one with an interval waits the rest of it', async () => {
    const sleeps: number[] = [];
    const clock: Clock = { now: () => Date.now(), monotonic: () => performance.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)), sleepUntil: (t, signal) => (sleeps.push(t - performance.now()), systemClock.sleepUntil(t, signal)) };
    let calls = 0;
    const t = runner({ read: async () => [ch('a', ++calls)] }, { clock, interval: 0 });
    await vi.waitFor(() => expect(t.acquisitions.length).toBeGreaterThanOrEqual(50));
    await t.stop();
    expect(sleeps.length).toBeGreaterThanOrEqual(49);
    expect(sleeps.every((ms) => ms === 0)).toBe(true);

    const waits: number[] = [];
    const fake = new FakeClock();
    const timed: Clock = { now: () => fake.now(), monotonic: () => fake.monotonic(), sleep: (ms, signal) => (waits.push(ms), fake.sleep(ms, signal)), sleepUntil: (t, signal) => (waits.push(t - fake.monotonic()), fake.sleepUntil(t, signal)) };
    const u = runner(
      {
        read: async () => {
          fake.advance(30); // each poll takes 30 ms of the 100 ms interval
          return [ch('a', 1)];
        },
      },
      { clock: timed, interval: 100 },
    );
    await vi.waitFor(() => expect(u.acquisitions).toHaveLength(1));
    fake.advance(70);
    await vi.waitFor(() => expect(u.acquisitions).toHaveLength(2));
    await u.stop();
    expect(waits.slice(0, 2)).toEqual([70, 70]);
  });
});
