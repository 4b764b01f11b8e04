/**
 * Forwarding in the log, beyond what each sink runner says when it starts failing and when it
 * delivers again: how long an outage lasts while it lasts, and when the backlog it left is
 * forwarded (catch-up).
 *
 * Contract (`check(statuses)`, called every few seconds with each sink's status):
 * - A sink `retrying` for longer than `reminderMs` since the outage began (or the last reminder):
 *   one `warn` line with the duration, the error, the backlog and its age.
 * - After an outage, once the sink is no longer retrying and its backlog is down to
 *   `caughtUpBelow` records: one `info` line ("caught up: N records forwarded since its outage
 *   began … ago"). A sink that recovers and fails again before catching up continues the same outage.
 */
import type { Logger } from '../core/logger.js';
import type { SinkStatus } from './types.js';
import { humanDuration } from '../core/log/duration.js';

interface Outage {
  since: number;
  lastReminder: number;
  /** Records delivered when the outage began (to count what the catch-up forwarded). */
  deliveredAtStart: number;
}

export class SinkWatch {
  readonly #outages = new Map<string, Outage>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly options: { reminderMs?: number; caughtUpBelow?: number } = {},
  ) {}

  check(statuses: readonly Pick<SinkStatus, 'name' | 'state' | 'pending' | 'delivered' | 'lastError' | 'lagSeconds'>[]): void {
    const t = this.now();
    const reminderMs = this.options.reminderMs ?? 600_000;
    const caughtUpBelow = this.options.caughtUpBelow ?? 100;
    for (const s of statuses) {
      const outage = this.#outages.get(s.name);
      if (s.state === 'retrying') {
        if (!outage) {
          this.#outages.set(s.name, { since: t, lastReminder: t, deliveredAtStart: s.delivered });
        } else if (t - outage.lastReminder >= reminderMs) {
          outage.lastReminder = t;
          this.log.warn(
            { sink: s.name, error: s.lastError, pending: s.pending, lagSeconds: Math.round(s.lagSeconds) },
            `sink ${s.name} still failing after ${humanDuration(t - outage.since)}: ${s.lastError ?? 'unknown error'}; ` +
              `${s.pending} records wait in the journal (the oldest ${humanDuration(s.lagSeconds * 1000)} old)`,
          );
        }
        continue;
      }
      if (outage && s.state !== 'stopped' && s.pending < caughtUpBelow) {
        this.#outages.delete(s.name);
        const forwarded = Math.max(0, s.delivered - outage.deliveredAtStart);
        this.log.info(
          { sink: s.name, forwarded, outageMs: Math.round(t - outage.since) },
          `sink ${s.name} caught up: ${forwarded} records forwarded since its outage began ${humanDuration(t - outage.since)} ago`,
        );
      }
    }
  }
}
