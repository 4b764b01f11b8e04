import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Acquisition } from '../../src/acquisition/acquisition.js';
import { systemClock } from '../../src/core/clock.js';
import type { Driver, LineDriverDefinition } from '../../src/core/driver.js';
import { TgError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { DeviceIdentity, GatewayEvent, Reading } from '../../src/core/types.js';
import type { DeviceConfig } from '../../src/config/schema.js';
import type { Link, LineLink } from '../../src/links/types.js';

/** A link that is always connected; the drivers below never use its I/O. */
function fakeLink(id: string): LineLink {
  return {
    kind: 'line',
    id,
    generation: 1,
    start: () => undefined,
    close: async () => undefined,
    status: () => ({ id, type: 'fake', state: 'connected', address: id, reconnects: 0 }),
    waitConnected: async () => undefined,
    exclusive: (fn) => fn({} as never),
  };
}

interface Behaviour {
  identity?: DeviceIdentity;
  /** Returns a value, or throws, per call number. */
  read: (call: number) => Promise<number>;
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
        read: async () => [{ channel: 'ch', quantity: 'voltage', unit: 'V', value: await b.read(++calls) }],
        close: async () => undefined,
      };
    },
  };
}

function device(id: string, link: string, extra: Partial<DeviceConfig> = {}): DeviceConfig {
  return { id, driver: 'fake', link, interval: 10, timeout: 200, enabled: true, options: { name: id }, ...extra };
}

async function runFor(ms: number, devices: DeviceConfig[], behaviours: Record<string, Behaviour>) {
  const readings: Reading[] = [];
  const events: GatewayEvent[] = [];
  const connects: Record<string, number> = {};
  const links = new Map<string, Link>(devices.map((d) => [d.link, fakeLink(d.link)]));
  const acq = new Acquisition(devices, {
    drivers: [driverDef(behaviours, connects)],
    links,
    clock: systemClock,
    log: silentLogger(),
    output: {
      reading: async (r) => void readings.push(r),
      event: async (e) => void events.push(e),
    },
  });
  acq.start();
  await new Promise((r) => setTimeout(r, ms));
  const status = acq.devices();
  await acq.stop();
  return { readings, events, connects, status };
}

describe('acquisition', () => {
  it('polls a device, time-stamps at the midpoint of the read, and counts readings', async () => {
    const before = Date.now();
    const { readings, status } = await runFor(150, [device('a', 'l1')], { a: { read: async () => 10 } });
    expect(readings.length).toBeGreaterThan(3);
    expect(readings[0]).toMatchObject({ device: 'a', channel: 'ch', value: 10, unit: 'V', flags: [] });
    expect(readings[0]!.time).toBeGreaterThanOrEqual(before);
    expect(status[0]).toMatchObject({ id: 'a', state: 'connected', readings: readings.length, errors: 0 });
  });

  it('flags every reading identity_mismatch and journals an alarm when the identity differs', async () => {
    const identity = { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'OTHER' };
    const { readings, events, status } = await runFor(
      80,
      [device('a', 'l1', { identity: { model: '34465A', serial: 'MY123' } })],
      { a: { identity, read: async () => 10 } },
    );
    expect(readings.length).toBeGreaterThan(0);
    expect(readings.every((r) => r.flags.includes('identity_mismatch'))).toBe(true);
    expect(events.find((e) => e.type === 'identity_mismatch')).toMatchObject({ severity: 'alarm', device: 'a' });
    expect(status[0]).toMatchObject({ identityMatches: false });
    expect(status[0]!.errorsByCode.TG_IDENTITY_MISMATCH).toBe(1);
  });

  it('after a failed read counts the error by code, reconnects and goes on reading', async () => {
    const { readings, events, connects, status } = await runFor(1200, [device('a', 'l1')], {
      a: {
        read: async (call) => {
          if (call === 3) throw new TgError('TG_LINK_TIMEOUT', 'scripted');
          return call;
        },
      },
    });
    expect(status[0]!.errorsByCode.TG_LINK_TIMEOUT).toBe(1);
    expect(connects.a).toBe(2);
    expect(readings.some((r) => r.value === 4)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['device_connected', 'device_faulted']));
  });

  it('a device that hangs until its timeout never delays a device on another link', async () => {
    const { readings } = await runFor(300, [device('dead', 'l1'), device('live', 'l2')], {
      dead: { read: () => new Promise((_r, reject) => setTimeout(() => reject(new TgError('TG_LINK_TIMEOUT')), 250)) },
      live: { read: async () => 1 },
    });
    const live = readings.filter((r) => r.device === 'live').length;
    // 300 ms at a 10 ms interval: the live device keeps polling while the dead one waits.
    expect(live).toBeGreaterThan(10);
    expect(readings.filter((r) => r.device === 'dead')).toHaveLength(0);
  });
});
