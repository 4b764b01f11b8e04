import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Driver, DriverDefinition } from '../core/driver.js';
import type { Acquisition, ChannelReading, ClockSyncState, GatewayEvent, QualityFlag, RawReading } from '../core/types.js';
import { Backoff } from '../core/backoff.js';
import type { ClockStepDetector } from '../core/clock-step.js';
import { errorCode, isAbort } from '../core/errors.js';
import type { Link } from '../links/types.js';
import type { DeviceConfig } from '../config/schema.js';
import { DeviceLog } from '../core/log/device-log.js';
import { DeviceStatusTracker, type DeviceState, type DeviceStatus } from './device-status.js';
import { identityMismatches } from './identity.js';

/** Where acquisition delivers what it produced. Its promises settle when the journal committed. */
export interface AcquisitionOutput {
  acquisition(a: Acquisition): Promise<unknown>;
  event(e: GatewayEvent): Promise<unknown>;
  /**
   * Whether acquisition is paused now (the journal is full under policy `stop`), and a promise
   * that resolves when it may resume. While paused, polled devices send nothing and streamed
   * lines are dropped and counted (`refused`).
   */
  paused?(): boolean;
  resumed?(): Promise<void>;
  refused?(): void;
}

export interface DeviceRunnerDeps {
  clock: Clock;
  log: Logger;
  output: AcquisitionOutput;
  /** Backoff after a failed cycle; defaults to 0.5 s doubling up to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Wall-clock step detection: readings taken around a step get the `clock_step` flag. */
  clockStep?: ClockStepDetector;
  /** The clock's provenance, read for each acquisition (default: always 'unknown'); while it
   *  says 'no', every channel gets the `clock_unsynced` flag before the checks see it. */
  clockSync?: { state(): ClockSyncState };
}

/**
 * Acquisitions of one device handed to the journal and not yet acknowledged, at most. Above the
 * journal's batch size (500): a device that outruns the commit interval fills a batch, which
 * commits at once, instead of waiting for the interval's timer with a full window.
 */
const MAX_INFLIGHT = 1024;

interface Reply {
  raw: RawReading[];
  requestedAt: number;
  requestedMono: number;
  answeredAt: number;
  answeredMono: number;
}

/**
 * One device's loop: connect (identity, setup), then poll every `interval` (or stream), and after
 * any failure back off and connect again. Polls fall on a grid of the interval that every device
 * of the process shares (see pollUntilFailure). Each device has its own loop, so a dead instrument
 * only ever delays devices that share its link, and those only by its request timeout.
 * Drivers take the link's lock for each transaction themselves.
 */
export class DeviceRunner {
  private readonly status: DeviceStatusTracker;
  private readonly driver: Driver;
  private readonly backoff: Backoff;
  /** The device's log lines, rate-limited (faults once, recoveries, driver errors per code). */
  private readonly logLines: DeviceLog;
  private identityFlag = false;
  /** Deliveries not yet committed; the loop waits when too many are outstanding (back-pressure). */
  private inflight = 0;
  /** The newest delivery: the journal commits in order, so it settles last. */
  private lastDelivery: Promise<void> = Promise.resolve();
  /** What a delivery's promise continues with: made once, not a pair of closures per delivery. */
  private readonly delivered = (): void => {
    this.inflight -= 1;
  };
  private readonly notDelivered = (err: unknown): void => {
    this.inflight -= 1;
    this.countError(errorCode(err), `acquisition not journaled: ${err instanceof Error ? err.message : String(err)}`);
  };
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cfg: DeviceConfig,
    def: DriverDefinition,
    private readonly link: Link,
    private readonly deps: DeviceRunnerDeps,
  ) {
    this.status = new DeviceStatusTracker(cfg.id, cfg.driver, cfg.link);
    this.backoff = new Backoff({ initialMs: deps.backoff?.initialMs ?? 500, maxMs: deps.backoff?.maxMs ?? 30_000 });
    this.logLines = new DeviceLog(deps.log, cfg.id, () => deps.clock.monotonic());
    const driverDeps = {
      link,
      log: deps.log.child({ device: cfg.id }),
      clock: deps.clock,
      timeoutMs: cfg.timeout,
      reportError: (code: string, detail: string) => this.countError(code, detail),
    };
    this.driver = (def.create as (c: unknown, d: typeof driverDeps) => Driver)(cfg.options, driverDeps);
  }

  get id(): string {
    return this.cfg.id;
  }

  snapshot(): DeviceStatus {
    return this.status.snapshot();
  }

  start(signal: AbortSignal): void {
    this.loop ??= this.run(signal).finally(() => this.setState('stopped'));
  }

  /** Resolves when the loop has ended (after the signal aborted) and the driver is closed. */
  async stopped(): Promise<void> {
    await this.loop;
    // Deliveries held by a full journal (policy stop) settle when it closes, after the devices.
    if (!this.deps.output.paused?.()) await this.lastDelivery;
    await this.driver.close().catch(() => undefined);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        this.setState('connecting');
        await this.link.waitConnected(Math.max(this.cfg.timeout, 5000), signal);
        await this.connect(signal);
        this.setState('connected');
        if (this.driver.stream) await this.streamUntilFailure(signal);
        else await this.pollUntilFailure(signal);
      } catch (err) {
        if (signal.aborted || isAbort(err)) break;
        this.countError(errorCode(err), err instanceof Error ? err.message : String(err), 'cycle');
        this.setState('faulted');
        await this.deps.clock.sleep(this.backoff.next(), signal).catch(() => undefined);
      }
    }
  }

  private async connect(signal: AbortSignal): Promise<void> {
    const identity = await this.driver.connect(signal);
    const mismatches = identityMismatches(this.cfg.identity, identity);
    this.identityFlag = mismatches.length > 0;
    this.status.setIdentity(identity, !this.identityFlag);
    if (this.identityFlag) {
      const detail = mismatches.map((f) => `${f} "${identity?.[f] ?? ''}" ≠ "${this.cfg.identity?.[f]}"`).join(', ');
      this.countError('TG_IDENTITY_MISMATCH', detail, 'cycle'); // the identity_mismatch event is logged
      await this.emitEvent('identity_mismatch', 'alarm', `${this.cfg.id}: ${detail}`, { identity, expected: this.cfg.identity });
    }
  }

  private async pollUntilFailure(signal: AbortSignal): Promise<void> {
    const clock = this.deps.clock;
    // Slots on a grid of the interval shared by every device in the process (multiples of it on the
    // monotonic clock): devices with one interval wake the process together, once, instead of each
    // on its own a few milliseconds apart. The first poll goes out at once; the next on the grid.
    const interval = this.cfg.interval;
    const slotAtOrBefore = (t: number) => (interval > 0 ? Math.floor(t / interval) * interval : t);
    let next = slotAtOrBefore(clock.monotonic());
    let request: Promise<Reply> | undefined;
    while (!signal.aborted) {
      if (!request && this.deps.output.paused?.()) {
        await this.pause(signal);
        next = slotAtOrBefore(clock.monotonic());
        continue;
      }
      const reply = await (request ?? this.request(signal));
      request = undefined;
      const stepped = this.deps.clockStep?.affects(reply.requestedMono, reply.answeredMono) ?? false;
      this.backoff.reset();
      next += interval;
      const now = clock.monotonic();
      // A slow cycle skips missed slots instead of bursting to catch up: the next request goes out
      // at once, and the one after it on the grid again.
      if (next < now) next = slotAtOrBefore(now);
      // Back to back (`interval: 0`, or a cycle that overran): the next request goes out before
      // this reply is processed, so the instrument answers while the gateway works.
      const backToBack = next <= now;
      if (backToBack && !this.deps.output.paused?.()) request = this.request(signal);
      await this.deliver(reply.raw, (reply.requestedAt + reply.answeredAt) / 2, stepped);
      // Back to back this yields one turn of the event loop: a driver that answers without I/O
      // must not starve the other devices and the sinks. On the grid every device (and the
      // journal's commit) waiting for one slot shares one timer (Clock.sleepUntil).
      await (backToBack ? clock.sleep(0, signal) : clock.sleepUntil(next, signal));
    }
  }

  /** One read with its times; handled at once, so a failure while the loop delivers the reply
   *  before it is not an unhandled rejection (the loop meets it at its next await). */
  private request(signal: AbortSignal): Promise<Reply> {
    const clock = this.deps.clock;
    const requestedAt = clock.now();
    const requestedMono = clock.monotonic();
    const reply = this.driver.read!(signal).then((raw) => ({ raw, requestedAt, requestedMono, answeredAt: clock.now(), answeredMono: clock.monotonic() }));
    reply.catch(() => undefined);
    return reply;
  }

  /** Waits, polling nothing, until the journal has room again (or the loop stops). The state
   *  says `paused` meanwhile; no device event is journaled for it (the journal is full). */
  private async pause(signal: AbortSignal): Promise<void> {
    const previous = this.status.setState('paused');
    this.deps.log.debug({ device: this.cfg.id }, 'acquisition paused: the journal is full');
    try {
      await untilAborted(this.deps.output.resumed?.() ?? Promise.resolve(), signal);
    } finally {
      if (this.status.state === 'paused') this.status.setState(previous === 'paused' ? 'connected' : previous);
    }
  }

  private async streamUntilFailure(signal: AbortSignal): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    await this.driver.stream!((raw) => {
      if (this.deps.output.paused?.()) {
        // The device keeps sending; with no room in the journal its lines are not kept.
        this.deps.output.refused?.();
        this.countError('TG_JOURNAL_FULL', 'the journal is full (policy stop): a streamed reading was not kept');
        return;
      }
      const arrived = this.deps.clock.now();
      const stepped = this.deps.clockStep?.affects(this.deps.clock.monotonic()) ?? false;
      this.backoff.reset();
      pending = pending.then(() => this.deliver(raw, arrived, stepped));
    }, signal);
    await pending;
    if (!signal.aborted) throw new Error('the stream ended');
  }

  /**
   * One cycle's readings as one acquisition: every flag decided here (the driver's own,
   * identity_mismatch, clock_step, clock_unsynced), one time stamp (the midpoint of the times the
   * driver gave, else `fallbackTime`), numbers the journal cannot hold turned into flagged nulls.
   */
  private toAcquisition(raw: readonly RawReading[], fallbackTime: number, clockStepped: boolean): Acquisition | undefined {
    const clock = this.deps.clockSync?.state() ?? 'unknown';
    const added: QualityFlag[] = [];
    if (this.identityFlag) added.push('identity_mismatch');
    if (clockStepped) added.push('clock_step');
    if (clock === 'no') added.push('clock_unsynced');
    const channels: Record<string, ChannelReading> = {};
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (const r of raw) {
      if (typeof r.channel !== 'string' || r.channel.length === 0 || r.channel === '__proto__' || Object.hasOwn(channels, r.channel)) {
        this.countError('TG_DRIVER_BUG', `the driver gave channel "${String(r.channel)}" twice or unnamed in one cycle; kept the first`);
        continue;
      }
      if (r.time !== undefined && Number.isFinite(r.time)) {
        if (r.time < first) first = r.time;
        if (r.time > last) last = r.time;
      }
      let flags = r.flags;
      const c: ChannelReading = { quantity: r.quantity, value: r.value, unit: r.unit };
      if (r.value !== null && !Number.isFinite(r.value)) {
        c.value = null;
        flags = withFlags(flags, ['parse_error']);
        this.countError('TG_PARSE_ERROR', `${r.channel}: not a finite number (${String(r.value)})`);
      }
      if (r.u !== undefined && Number.isFinite(r.u)) c.u = r.u;
      if (added.length > 0) flags = withFlags(flags, added);
      if (flags !== undefined && flags.length > 0) c.flags = flags;
      if (r.extra !== undefined) c.extra = finiteExtra(r.extra);
      channels[r.channel] = c;
      count++;
    }
    if (count === 0) return undefined;
    const time = Math.round(first <= last ? (first + last) / 2 : fallbackTime);
    return { device: this.cfg.id, time, clock, channels };
  }

  private async deliver(raw: readonly RawReading[], fallbackTime: number, clockStepped = false): Promise<void> {
    const acquisition = this.toAcquisition(raw, fallbackTime, clockStepped);
    if (!acquisition) return;
    this.status.countReading(acquisition.time);
    // The journal acknowledges in group commits; waiting for each commit would cap a device at one
    // acquisition per commit interval, so the loop only waits when the journal falls far behind.
    this.inflight += 1;
    const delivery = this.deps.output.acquisition(acquisition).then(this.delivered, this.notDelivered);
    this.lastDelivery = delivery;
    // Far behind: wait until the journal has committed everything handed to it so far.
    if (this.inflight >= MAX_INFLIGHT) await delivery;
  }

  /** `cycle`: the error that failed a whole cycle (the fault line says it); otherwise an error the
   *  driver or the loop reports while the device runs (logged, rate-limited per code). */
  private countError(code: string, detail: string, kind: 'cycle' | 'reported' = 'reported'): void {
    this.status.countError(code, detail);
    if (kind === 'cycle') this.logLines.cycleError(code, detail);
    else this.logLines.error(code, detail);
  }

  private setState(state: DeviceState): void {
    const previous = this.status.setState(state);
    if (previous === state) return;
    const severity = state === 'faulted' ? 'warning' : 'info';
    const snapshot = this.status.snapshot();
    const lastError = snapshot.lastError;
    const id = snapshot.identity;
    this.logLines.state(state, lastError, id ? `${id.manufacturer} ${id.model}, S/N ${id.serial}` : undefined);
    if (state === 'connected' || state === 'faulted' || (state === 'stopped' && previous !== 'connecting'))
      void this.emitEvent(`device_${state}`, severity, `${this.cfg.id} ${state}${state === 'faulted' && lastError ? `: ${lastError}` : ''}`);
  }

  private async emitEvent(type: string, severity: GatewayEvent['severity'], message: string, data?: Record<string, unknown>): Promise<void> {
    await this.deps.output
      .event({ type, severity, message, device: this.cfg.id, time: this.deps.clock.now(), ...(data ? { data } : {}) })
      .catch((err: unknown) => this.deps.log.error({ err, device: this.cfg.id }, 'could not journal a device event'));
  }
}

/** `promise`, or a rejection as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** `flags` plus `more` without duplicates; a new array (the driver's may be shared). */
function withFlags(flags: readonly QualityFlag[] | undefined, more: readonly QualityFlag[]): QualityFlag[] {
  const out = flags ? [...flags] : [];
  for (const f of more) if (!out.includes(f)) out.push(f);
  return out;
}

/** `extra` without the numbers JSON cannot hold. */
function finiteExtra(extra: Record<string, number | string | boolean>): Record<string, number | string | boolean> {
  for (const k in extra) {
    if (typeof extra[k] === 'number' && !Number.isFinite(extra[k])) {
      const copy: Record<string, number | string | boolean> = {};
      for (const key in extra) if (typeof extra[key] !== 'number' || Number.isFinite(extra[key])) copy[key] = extra[key]!;
      return copy;
    }
  }
  return extra;
}
