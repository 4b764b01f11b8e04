import type { Clock } from '../core/clock.js';
import type { ClockSyncState } from '../core/types.js';
import type { Logger } from '../core/logger.js';
import type { DriverDefinition } from '../core/driver.js';
import type { DeviceConfig } from '../config/schema.js';
import type { Link } from '../links/types.js';
import type { ClockStepDetector } from '../core/clock-step.js';
import { DeviceRunner, type AcquisitionOutput } from './device-runner.js';
import type { DeviceStatus } from './device-status.js';

export interface DeviceLoopsDeps {
  drivers: readonly DriverDefinition[];
  links: ReadonlyMap<string, Link>;
  clock: Clock;
  log: Logger;
  output: AcquisitionOutput;
  /** Passed to every device loop: readings taken around a wall-clock step are flagged. */
  clockStep?: ClockStepDetector;
  /** Passed to every device loop: readings taken while the clock is not synchronised are flagged. */
  clockSync?: { state(): ClockSyncState };
}

/** All device loops of a gateway: started together, stopped together, read for status. */
export class DeviceLoops {
  private readonly runners: DeviceRunner[];
  private readonly controller = new AbortController();
  private running = false;

  constructor(devices: readonly DeviceConfig[], deps: DeviceLoopsDeps) {
    const drivers = new Map(deps.drivers.map((d) => [d.kind, d]));
    this.runners = devices
      .filter((d) => d.enabled)
      .map((d) => new DeviceRunner(d, drivers.get(d.driver)!, deps.links.get(d.link)!, deps));
  }

  start(): void {
    this.running = true;
    for (const r of this.runners) r.start(this.controller.signal);
  }

  get isRunning(): boolean {
    return this.running;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    await Promise.all(this.runners.map((r) => r.stopped()));
  }

  devices(): DeviceStatus[] {
    return this.runners.map((r) => r.snapshot());
  }
}
