/**
 * What the tests inside an instrument's folders (drivers/<kind>/test, simulators/<kind>/test) take
 * from the gateway besides src/kit.ts: links, clocks, a silent logger, configuration parsing, and
 * `lineRig()`, a simulator with a real link and a driver on it. Those folders import src/ only
 * through src/kit.ts and this module (test/unit/import-boundaries.test.ts).
 */
import { systemClock as clock } from '../../src/core/clock.js';
import type { Driver, DriverDefinition } from '../../src/core/driver.js';
import { silentLogger as quiet } from '../../src/core/logger.js';
import { TgError as Failure } from '../../src/core/errors.js';
import { tcpLinkConfig } from '../../src/links/config.js';
import { createLink as link } from '../../src/links/create.js';
import { prologixLinkConfig } from '../../src/links/prologix-config.js';
import type { Link } from '../../src/links/types.js';
import { World, worldConfig } from '../../simulators/physics/world.js';
import type { Simulator, SimulatorDefinition } from '../../simulators/types.js';

export { FakeClock, systemClock } from '../../src/core/clock.js';
export { silentLogger } from '../../src/core/logger.js';
export { TgError } from '../../src/core/errors.js';
export type { Driver } from '../../src/core/driver.js';
export { createLink } from '../../src/links/create.js';
export { serialLinkConfig, tcpLinkConfig } from '../../src/links/config.js';
export { prologixLinkConfig } from '../../src/links/prologix-config.js';
export type { LineLink } from '../../src/links/types.js';
export { parseConfig } from '../../src/config/load.js';

export interface LineRig<S extends Simulator = Simulator> {
  sim: S;
  link: Link;
  driver: Driver;
  /** What the driver reported, in order. */
  errors: { code: string; detail: string }[];
  close(): Promise<void>;
}

/**
 * A simulator on a free loopback port (standard z1 of 10 V, no noise), a real line link to it
 * (`tcp`, or `prologix` at `gpibAddress`) and a driver on that link, connected and ready.
 */
export async function lineRig<S extends Simulator = Simulator>(o: {
  simulator: SimulatorDefinition;
  simulatorOptions?: object;
  driver: DriverDefinition;
  driverOptions?: object;
  gpibAddress?: number;
  timeoutMs?: number;
}): Promise<LineRig<S>> {
  const world = new World(worldConfig.parse({ lab: { temperatureSwing: 0 }, standards: [{ id: 'z1', noise: 0 }] }));
  const sim = o.simulator.create(o.simulator.config.parse(o.simulatorOptions ?? {}), { world, clock, log: quiet(), listen: { tcp: { host: '127.0.0.1', port: 0 } } }) as S;
  const { port } = (await sim.start()).tcp!;
  const reconnect = { initial: 50, max: 500 };
  const cfg =
    o.gpibAddress === undefined
      ? tcpLinkConfig.parse({ id: 'rig', type: 'tcp', host: '127.0.0.1', port, reconnect })
      : prologixLinkConfig.parse({ id: 'rig', type: 'prologix', host: '127.0.0.1', port, address: o.gpibAddress, readTimeout: 100, reconnect });
  const l = link(cfg, { clock, log: quiet() });
  const errors: LineRig['errors'] = [];
  const create = o.driver.create as (c: unknown, d: object) => Driver;
  const driver = create(o.driver.config.parse(o.driverOptions ?? {}), { link: l, log: quiet(), clock, timeoutMs: o.timeoutMs ?? 500, reportError: (code: string, detail: string) => errors.push({ code, detail }) });
  l.start();
  await l.waitConnected(5000);
  return { sim, link: l, driver, errors, close: async () => (await l.close(), await sim.stop()) };
}

/** The TgError code a promise rejects with, `resolved` when it does not reject. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return err instanceof Failure ? err.code : String(err);
  }
}
