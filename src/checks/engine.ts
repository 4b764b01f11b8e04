/**
 * The check engine: sits between acquisition and the journal. Every acquisition passes through
 * `process`, which returns it to journal with the checks' flags and annotations (standard,
 * verdicts, verified) on the channels they watch, and the events to journal after it. Channels
 * that concern no standard pass through untouched (and so does an acquisition with none).
 *
 * Contract:
 * - Deterministic: the outcome depends only on the standards' configuration, the records processed
 *   so far and their order — never on the wall clock. So `replay(record)` over the journal, from
 *   the start or from a checkpoint (`snapshot()` / `restore()`), rebuilds exactly the state a
 *   gateway that never stopped would have; replay ignores the events the checks derive themselves
 *   and applies the operator's (transitions, alarm resolutions) where they are in the sequence.
 * - The caller journals, in order and synchronously after each call, what the call returned: the
 *   acquisition (then its events) after `process`, the event after `transition` / `resolveAlarms`.
 * - Within an acquisition the channels are judged in channel-name order (the order of the
 *   record's canonical form), so live and replay agree whatever order a driver gave them in.
 *   The journal's sequence is then the engine's processing order, which replay relies on.
 * - The flags the checks set (CHECK_FLAGS) are recomputed on every pass: a replayed reading's
 *   stored flags of that kind are removed first. Every other flag was decided by acquisition
 *   before the checks ran, so it is the same live and in replay.
 * - O(1) work per reading (a map lookup, a fixed number of checks per route).
 * - Never throws on data; `transition` / `resolveAlarms` answer with an outcome, not an exception.
 */
import { createHash } from 'node:crypto';
import { acquisitionOf, channelReading } from '../core/records.js';
import type { Acquisition, ChannelReading, GatewayEvent, JournalRecord, QualityFlag, Reading, ReadingAnnotations, Verdict } from '../core/types.js';
import { QUALITY_FLAGS } from '../core/types.js';
import type { StandardConfig } from './config.js';
import { EVENT_ALARMS_RESOLVED, EVENT_TRANSITION, allowedFrom, canTransition, isLifecycleState, type LifecycleState } from './lifecycle.js';
import { StandardRuntime, type Role } from './standard.js';
import { newOutcome, type StandardState } from './state.js';
import { LOGGER_ROLES, resolveAlarms, stillMoving } from './transport.js';

/** Quality flags the checks set; on input they are dropped and recomputed. */
export const CHECK_FLAGS: ReadonlySet<QualityFlag> = new Set<QualityFlag>(['env_out_of_window', 'settling', 'transport_shock']);

export interface ProcessResult {
  /** The acquisition to journal: the input itself when no channel concerns a standard, else a
   *  copy whose watched channels carry the checks' flags and annotations. */
  acquisition: Acquisition;
  /** Whether any channel was judged (what counts towards a checkpoint). */
  judged: boolean;
  events: GatewayEvent[];
}

/** One channel's outcome. */
interface ChannelResult {
  /** The reading's flags with the checks' own. */
  flags: QualityFlag[];
  annotations: ReadingAnnotations;
  events: GatewayEvent[];
}

/** A standard watching a channel, in its role. */
interface Route {
  std: StandardRuntime;
  role: Role;
}

export interface EngineSnapshot {
  v: 1;
  configHash: string;
  standards: Record<string, StandardState>;
}

export type ActionOutcome =
  | { ok: true; event: GatewayEvent; state: LifecycleState }
  | { ok: false; code: 'unknown_standard' | 'forbidden'; message: string; allowed?: readonly LifecycleState[] };

/** What the journal accepts: finite time, value null or finite, u and numeric extras finite. */
function journalable(r: Reading): boolean {
  if (!Number.isFinite(r.time) || (r.value !== null && !Number.isFinite(r.value))) return false;
  if (r.u !== undefined && !Number.isFinite(r.u)) return false;
  if (!Array.isArray(r.flags)) return false;
  for (const v of Object.values(r.extra ?? {})) if (typeof v === 'number' && !Number.isFinite(v)) return false;
  return true;
}

export class CheckEngine {
  readonly configHash: string;
  private readonly runtimes = new Map<string, StandardRuntime>();
  /** device -> channel -> the standards watching it: per acquisition one lookup of its device
   *  and one per channel, no key string built. */
  private readonly routes = new Map<string, Map<string, Route[]>>();

  constructor(private readonly configs: readonly StandardConfig[]) {
    this.configHash = createHash('sha256').update(JSON.stringify(configs)).digest('hex');
    this.build(null);
  }

  private build(states: Record<string, StandardState> | null): void {
    this.runtimes.clear();
    this.routes.clear();
    for (const cfg of this.configs) {
      const rt = new StandardRuntime(cfg, states?.[cfg.id]);
      this.runtimes.set(cfg.id, rt);
      const add = (device: string, channel: string, role: Role) => {
        let byChannel = this.routes.get(device);
        if (byChannel === undefined) this.routes.set(device, (byChannel = new Map()));
        const list = byChannel.get(channel) ?? [];
        list.push({ std: rt, role });
        byChannel.set(channel, list);
      };
      add(cfg.measurand.device, cfg.measurand.channel, { kind: 'measurand' });
      if (cfg.thermistor) add(cfg.thermistor.device, cfg.thermistor.channel, { kind: 'thermistor' });
      for (const q of ['temperature', 'humidity', 'pressure'] as const) {
        const ch = cfg.environment[q];
        if (ch) add(ch.device, ch.channel, { kind: 'env', q });
      }
      const logger = cfg.transport.logger;
      if (logger) for (const role of LOGGER_ROLES) add(logger, cfg.transport.channels[role], { kind: 'logger', role });
    }
  }

  /** The standards' ids, in configuration order. */
  ids(): string[] {
    return [...this.runtimes.keys()];
  }

  runtime(id: string): StandardRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** Whether any standard watches this channel (acquisition may skip the engine otherwise). */
  watches(device: string, channel: string): boolean {
    return this.routes.get(device)?.has(channel) ?? false;
  }

  process(acq: Acquisition): ProcessResult {
    const byChannel = this.routes.get(acq.device);
    if (byChannel === undefined) return { acquisition: acq, judged: false, events: [] };
    let channels: Record<string, ChannelReading> | undefined;
    const events: GatewayEvent[] = [];
    // The watched channels (usually one of several) in name order; the others are not sorted.
    const watched: string[] = [];
    for (const name in acq.channels) if (byChannel.has(name)) watched.push(name);
    // Insertion sort: a handful of channels, without the work array Array#sort allocates.
    for (let i = 1; i < watched.length; i++) {
      const w = watched[i]!;
      let j = i - 1;
      for (; j >= 0 && watched[j]! > w; j--) watched[j + 1] = watched[j]!;
      watched[j + 1] = w;
    }
    for (const name of watched) {
      const c = acq.channels[name]!;
      const res = this.judge(byChannel.get(name)!, channelReading(acq, name, c));
      channels ??= { ...acq.channels };
      channels[name] = annotated(c, res);
      for (const e of res.events) events.push(e);
    }
    if (!channels) return { acquisition: acq, judged: false, events };
    return { acquisition: { ...acq, channels }, judged: true, events };
  }

  /** One watched channel's reading through every route that concerns it. */
  private judge(routes: readonly Route[], r: Reading): ChannelResult {
    if (!journalable(r)) {
      // The journal refuses it, so a replay never sees it: judged, but the state is left alone.
      const annotations: ReadingAnnotations = { verdicts: [{ check: 'quality', result: 'fail', detail: 'not a finite number' }] };
      if (routes.length === 1) annotations.standard = routes[0]!.std.id;
      if (routes.some((x) => x.role.kind === 'measurand')) annotations.verified = false;
      return { flags: r.flags, annotations, events: [] };
    }
    const own = r.flags.length === 0 ? r.flags : r.flags.filter((f) => !CHECK_FLAGS.has(f));
    if (routes.length === 1) {
      // The common case (a channel watched once): the outcome as it is, nothing merged.
      const { std, role } = routes[0]!;
      const { out, verified } = std.apply(role, r, own);
      const annotations: ReadingAnnotations = { verdicts: out.verdicts, standard: std.id };
      if (verified !== undefined) annotations.verified = verified;
      return { flags: withCheckFlags(own, out.flags), annotations, events: out.events };
    }
    const added = new Set<QualityFlag>();
    const verdicts: Verdict[] = [];
    const seen = new Set<string>();
    const events: GatewayEvent[] = [];
    const standards = new Set<string>();
    let verified: boolean | undefined;
    for (const { std, role } of routes) {
      const { out, verified: v } = std.apply(role, r, own);
      standards.add(std.id);
      for (const f of out.flags) added.add(f);
      // A channel shared by standards (the lab's air): the same verdict once.
      for (const vd of out.verdicts) {
        const sig = JSON.stringify(vd);
        if (seen.has(sig)) continue;
        seen.add(sig);
        verdicts.push(vd);
      }
      events.push(...out.events);
      if (v !== undefined) verified = (verified ?? true) && v;
    }
    const flags = withCheckFlags(own, added);
    const annotations: ReadingAnnotations = { verdicts };
    if (standards.size === 1) annotations.standard = [...standards][0]!;
    if (verified !== undefined) annotations.verified = verified;
    return { flags, annotations, events };
  }

  /**
   * An operator's lifecycle transition at `time` (the gateway's clock when the request came).
   * An arrival (in_transit -> settling) while the case logger still shows motion is refused with
   * the reason: accepted, it would be reversed by the next motion reading. A replayed transition
   * (`replaying`) was accepted when it was made and is applied as journaled.
   */
  transition(id: string, to: LifecycleState, by: string, note: string | undefined, time: number, replaying = false): ActionOutcome {
    const rt = this.runtimes.get(id);
    if (!rt) return { ok: false, code: 'unknown_standard', message: `no standard "${id}"` };
    const from = rt.state.lifecycle.state;
    if (!canTransition(from, to)) {
      return { ok: false, code: 'forbidden', message: `${id}: ${from} -> ${to} is not allowed`, allowed: allowedFrom(from) };
    }
    const moving = !replaying && from === 'in_transit' && to === 'settling' ? stillMoving(rt.cfg, rt.state.transport, time) : undefined;
    if (moving) return { ok: false, code: 'forbidden', message: `${id}: arrival not recorded: ${moving}`, allowed: allowedFrom(from) };
    const out = newOutcome();
    rt.transition(to, note === undefined ? { kind: 'operator', by } : { kind: 'operator', by, note }, time, out);
    return { ok: true, event: out.events[0]!, state: to };
  }

  /** An operator resolves every open transport alarm of a standard. */
  resolveAlarms(id: string, by: string, note: string | undefined, time: number): ActionOutcome {
    const rt = this.runtimes.get(id);
    if (!rt) return { ok: false, code: 'unknown_standard', message: `no standard "${id}"` };
    const n = resolveAlarms(rt.state.transport, time, by, note);
    const event: GatewayEvent = {
      type: EVENT_ALARMS_RESOLVED,
      time,
      standard: id,
      severity: 'info',
      message: `${id}: ${n} transport alarm(s) resolved by ${by}${note ? ` (${note})` : ''}`,
      data: { cause: 'operator', by, resolved: n, ...(note !== undefined ? { note } : {}) },
    };
    return { ok: true, event, state: rt.state.lifecycle.state };
  }

  /** Applies one journal record during catch-up: acquisitions are judged again, operator actions redone. */
  replay(rec: JournalRecord): void {
    const acq = acquisitionOf(rec);
    if (acq) {
      this.process(acq);
      return;
    }
    const e = rec.kind === 'event' ? rec.event : undefined;
    if (!e || e.standard === undefined || e.data?.cause !== 'operator') return;
    const by = typeof e.data.by === 'string' ? e.data.by : 'unknown';
    const note = typeof e.data.note === 'string' ? e.data.note : undefined;
    if (e.type === EVENT_TRANSITION && isLifecycleState(e.data.to)) this.transition(e.standard, e.data.to, by, note, e.time, true);
    else if (e.type === EVENT_ALARMS_RESOLVED) this.resolveAlarms(e.standard, by, note, e.time);
  }

  /** A deep copy of the whole state (plain JSON). */
  snapshot(): EngineSnapshot {
    const standards: Record<string, StandardState> = {};
    for (const [id, rt] of this.runtimes) {
      rt.drift.sync();
      standards[id] = structuredClone(rt.state);
    }
    return { v: 1, configHash: this.configHash, standards };
  }

  /** Replaces the state with a snapshot of the same configuration; false (state unchanged) if it does not fit. */
  restore(snap: EngineSnapshot): boolean {
    if (snap?.v !== 1 || snap.configHash !== this.configHash || typeof snap.standards !== 'object') return false;
    if (this.configs.some((c) => typeof snap.standards[c.id] !== 'object')) return false;
    const before = this.snapshot().standards;
    try {
      this.build(structuredClone(snap.standards));
      return true;
    } catch {
      this.build(before);
      return false;
    }
  }
}

/** The channel as journaled: its value as acquired, the checks' flags and annotations. Built key
 *  by key (no spread, no delete), so every channel object keeps one fast shape. */
function annotated(c: ChannelReading, res: ChannelResult): ChannelReading {
  const out: ChannelReading = { quantity: c.quantity, value: c.value, unit: c.unit };
  if (c.u !== undefined) out.u = c.u;
  if (res.flags.length > 0) out.flags = res.flags;
  if (c.extra !== undefined) out.extra = c.extra;
  const { standard, verdicts, verified } = res.annotations;
  if (standard !== undefined) out.standard = standard;
  // A copy of exactly its length: the checks' array grew by push (room for 16), and the record
  // holds it until the journal commits, long enough to be promoted to the old generation.
  if (verdicts !== undefined && verdicts.length > 0) out.verdicts = verdicts.slice();
  if (verified !== undefined) out.verified = verified;
  return out;
}

/** The reading's own flags and the checks' `added` ones, in the catalogue's order, each once. */
function withCheckFlags(own: QualityFlag[], added: ReadonlySet<QualityFlag>): QualityFlag[] {
  return added.size === 0 ? own : [...own, ...QUALITY_FLAGS.filter((f) => added.has(f) && !own.includes(f))];
}
