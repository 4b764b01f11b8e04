import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { duration } from '../../src/kit.js';

/**
 * Transport scenarios for the case-logger simulator: a sequence of segments (rest, road
 * vibration, a drop, a tilt, a climate excursion, a power interruption), played in accelerated
 * time. The player is pure: it maps scenario time to what the logger's registers hold, named by
 * the channels of the `case-logger` profile.
 */

const segment = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rest'), duration: duration() }).strict(),
  z
    .object({
      kind: z.literal('vibration'),
      duration: duration(),
      peak: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).default([1, 3]).describe('peak acceleration range on z, g (x and y get half)'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('drop'),
      duration: duration().default(2000),
      peak: z.number().positive().default(25).describe('peak acceleration on `axis`, g'),
      axis: z.enum(['x', 'y', 'z']).default('z'),
    })
    .strict(),
  z.object({ kind: z.literal('tilt'), duration: duration(), angle: z.number().describe('degrees from upright') }).strict(),
  z
    .object({
      kind: z.literal('climate'),
      duration: duration(),
      temperature: z.number().optional().describe('°C reached during the excursion'),
      humidity: z.number().optional().describe('%RH reached during the excursion'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('power-loss'),
      duration: duration(),
      batteryDrop: z.number().nonnegative().default(0.2).describe('battery fall, V per hour without external power'),
    })
    .strict(),
]);
export type Segment = z.output<typeof segment>;

export const scenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    timeFactor: z.number().positive().default(1).describe('scenario seconds played per wall-clock second'),
    loop: z.boolean().default(true),
    baseline: z
      .object({
        temperature: z.number().default(21),
        humidity: z.number().default(40),
        battery: z.number().default(3.6),
        tilt: z.number().default(0.5),
        noise: z.number().nonnegative().default(0.03).describe('peak acceleration at rest, g'),
      })
      .strict()
      .prefault({}),
    segments: z.array(segment).min(1),
  })
  .strict()
  .superRefine((s, ctx) =>
    s.segments.forEach((seg, i) => {
      if (!(seg.duration > 0)) ctx.addIssue({ code: 'custom', path: ['segments', i, 'duration'], message: 'must be longer than 0' });
    }),
  );
export type Scenario = z.output<typeof scenarioSchema>;

/** Segments that count as an event in the logger's event counter. */
const EVENT_KINDS = new Set(['drop', 'tilt', 'climate', 'power-loss']);
/** Vibration peaks are drawn per second of scenario time; longer spans sample this many seconds. */
const MAX_BUCKETS = 4000;

export type LoggerState = Record<'peak_x' | 'peak_y' | 'peak_z' | 'tilt' | 'case_temperature' | 'case_humidity' | 'battery' | 'external_power' | 'events', number>;

/** A deterministic uniform number in [0, 1) for an integer key (a 32-bit integer hash). */
function hash01(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    h = Math.imul(h ^ (k | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}

export class ScenarioPlayer {
  private readonly starts: number[] = [];
  readonly totalMs: number;

  constructor(
    readonly scenario: Scenario,
    private readonly seed = 1,
  ) {
    let t = 0;
    for (const s of scenario.segments) {
      this.starts.push(t);
      t += s.duration;
    }
    this.totalMs = t;
  }

  /** The segment playing at scenario time t (ms), and when it began (absolute scenario time). */
  private at(t: number): { segment: Segment; start: number; loop: number } {
    const loop = this.scenario.loop ? Math.floor(t / this.totalMs) : 0;
    const local = this.scenario.loop ? t - loop * this.totalMs : Math.min(t, this.totalMs);
    let i = this.starts.length - 1;
    while (i > 0 && this.starts[i]! > local) i--;
    if (!this.scenario.loop && t >= this.totalMs) return { segment: { kind: 'rest', duration: Infinity }, start: this.totalMs, loop: 0 };
    return { segment: this.scenario.segments[i]!, start: loop * this.totalMs + this.starts[i]!, loop };
  }

  /** Peak acceleration per axis over (fromMs, toMs], then the state at toMs. */
  sample(fromMs: number, toMs: number): LoggerState {
    const base = this.scenario.baseline;
    const peak = { x: base.noise, y: base.noise, z: base.noise };
    let t = Math.max(0, Math.min(fromMs, toMs));
    for (let guard = 0; guard < 10_000 && t < toMs; guard++) {
      const { segment, start } = this.at(t);
      const end = Math.min(toMs, start + segment.duration);
      if (segment.kind === 'vibration') {
        const [lo, hi] = segment.peak;
        const first = Math.floor(t / 1000);
        const last = Math.floor((end - 1e-9) / 1000);
        const step = Math.max(1, Math.ceil((last - first + 1) / MAX_BUCKETS));
        for (let b = first; b <= last; b += step) {
          peak.z = Math.max(peak.z, lo + (hi - lo) * hash01(this.seed, b, 3));
          peak.x = Math.max(peak.x, (lo + (hi - lo) * hash01(this.seed, b, 1)) / 2);
          peak.y = Math.max(peak.y, (lo + (hi - lo) * hash01(this.seed, b, 2)) / 2);
        }
      } else if (segment.kind === 'drop') {
        for (const axis of ['x', 'y', 'z'] as const) peak[axis] = Math.max(peak[axis], axis === segment.axis ? segment.peak : segment.peak * 0.3);
      }
      if (end <= t) break;
      t = end;
    }
    return { peak_x: peak.x, peak_y: peak.y, peak_z: peak.z, ...this.stateAt(toMs) };
  }

  private stateAt(t: number): Omit<LoggerState, 'peak_x' | 'peak_y' | 'peak_z'> {
    const base = this.scenario.baseline;
    const { segment, start, loop } = this.at(t);
    const elapsed = t - start;
    const state = {
      tilt: base.tilt,
      case_temperature: base.temperature,
      case_humidity: base.humidity,
      battery: base.battery,
      external_power: 1,
      events: this.eventsBefore(t, loop),
    };
    if (segment.kind === 'tilt') state.tilt = segment.angle;
    if (segment.kind === 'climate') {
      // A trapezoid: the first fifth ramps to the excursion, the last fifth back.
      const ramp = segment.duration / 5;
      const f = Math.max(0, Math.min(1, elapsed / ramp, (segment.duration - elapsed) / ramp));
      if (segment.temperature !== undefined) state.case_temperature = base.temperature + (segment.temperature - base.temperature) * f;
      if (segment.humidity !== undefined) state.case_humidity = base.humidity + (segment.humidity - base.humidity) * f;
    }
    if (segment.kind === 'power-loss') {
      state.external_power = 0;
      state.battery = Math.max(0, base.battery - (segment.batteryDrop * elapsed) / 3_600_000);
    }
    return state;
  }

  /** Event segments begun at or before t (every loop counts). */
  private eventsBefore(t: number, loop: number): number {
    const perLoop = this.scenario.segments.filter((s) => EVENT_KINDS.has(s.kind)).length;
    const local = t - loop * this.totalMs;
    const inLoop = this.scenario.segments.filter((s, i) => EVENT_KINDS.has(s.kind) && this.starts[i]! <= local).length;
    return loop * perLoop + inLoop;
  }
}

/**
 * simulators/modbus/scenarios/: next to this module in a checkout; in a build (one bundle under
 * dist/src/, scripts/build.mjs) copied to dist/simulators/modbus/scenarios/, found upwards.
 */
function scenariosDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'scenarios');
  if (existsSync(beside)) return beside;
  for (let dir = dirname(here), i = 0; i < 3; i++, dir = dirname(dir)) {
    const copied = join(dir, 'simulators', 'modbus', 'scenarios');
    if (existsSync(copied)) return copied;
  }
  return beside;
}

/** A scenario by name (a file in simulators/modbus/scenarios/) or by path (.yaml, .yml or .json). */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const file = /^[A-Za-z0-9_-]+$/.test(nameOrPath) ? join(scenariosDir(), `${nameOrPath}.yaml`) : nameOrPath;
  const text = await readFile(file, 'utf8');
  const parsed = scenarioSchema.safeParse(file.endsWith('.json') ? JSON.parse(text) : parseYaml(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`scenario ${file}: ${issues}`);
  }
  return parsed.data;
}
