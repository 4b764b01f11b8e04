/**
 * Counters of what flowed through the journal since this process started: channel readings by
 * device and quality, quality flags, check verdicts, events. Plain nested maps, fed by `observe`
 * from the journal's commit listener: a few map increments per value and no strings built, so
 * counting costs the hot path next to nothing. The Prometheus registry (gateway-metrics.ts) is
 * made only when /metrics is first scraped and reads these at scrape time.
 */
import { acquisitionOf } from '../core/records.js';
import type { JournalRecord } from '../core/types.js';

export type Quality = 'ok' | 'flagged' | 'no_value';

/** A map of maps, counting by a path of two or three keys. */
export class NestedCounts {
  readonly root = new Map<string, unknown>();

  /** Adds `n` at the path `a` → `b` (→ `c`): no array per call, as this runs for every value. */
  add(a: string, b: string, c?: string, n = 1): void {
    let level = this.#child(this.root, a);
    let last = b;
    if (c !== undefined) {
      level = this.#child(level, b);
      last = c;
    }
    level.set(last, ((level.get(last) as number | undefined) ?? 0) + n);
  }

  #child(level: Map<string, unknown>, key: string): Map<string, unknown> {
    let next = level.get(key) as Map<string, unknown> | undefined;
    if (next === undefined) level.set(key, (next = new Map()));
    return next;
  }

  /** Every path with its count. */
  each(fn: (keys: string[], n: number) => void, level: Map<string, unknown> = this.root, path: string[] = []): void {
    for (const [k, v] of level) {
      if (v instanceof Map) this.each(fn, v as Map<string, unknown>, [...path, k]);
      else fn([...path, k], v as number);
    }
  }
}

export class FlowCounters {
  /** device -> quality -> n */
  readonly readings = new NestedCounts();
  /** device -> flag -> n */
  readonly flags = new NestedCounts();
  /** standard -> check -> result -> n */
  readonly verdicts = new NestedCounts();
  /** type -> severity -> n */
  readonly events = new NestedCounts();

  /** Counts committed records. Called by the commit listener; cheap and synchronous. */
  observe(records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (r.kind === 'event' || r.kind === 'seal') {
        this.events.add(r.event.type, r.event.severity);
        continue;
      }
      const a = acquisitionOf(r)!;
      for (const name in a.channels) {
        const c = a.channels[name]!;
        const flags = c.flags;
        this.readings.add(a.device, c.value === null ? 'no_value' : flags !== undefined && flags.length > 0 ? 'flagged' : 'ok');
        if (flags !== undefined) for (const flag of flags) this.flags.add(a.device, flag);
        if (c.verdicts !== undefined) for (const v of c.verdicts) this.verdicts.add(c.standard ?? '', v.check, v.result);
      }
    }
  }
}
