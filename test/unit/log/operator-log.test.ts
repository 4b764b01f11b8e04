import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { DeviceLog } from '../../../src/core/log/device-log.js';
import { journalEventLog, type CommittedEvent } from '../../../src/core/log/journal-events.js';
import { prettyLine } from '../../../src/core/log/pretty.js';
import { SinkWatch } from '../../../src/sinks/sink-watch.js';
import type { GatewayEvent, JournalRecord } from '../../../src/core/types.js';

/** A logger writing JSON lines into an array, as the gateway writes them to a file or journald. */
function captured() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'info', destination, format: 'json' }), lines };
}

function event(seq: number, e: Omit<GatewayEvent, 'time'>): CommittedEvent {
  const record = { v: 2, seq, kind: 'event', gateway: 'gw', lab: 'LAB', time: 1_772_355_600_000 + seq, clock: 'yes', prevHash: '', hash: 'h', event: { ...e, time: 1_772_355_600_000 + seq } } as JournalRecord;
  return { seq, kind: 'event', record };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('the log says what an operator must know', () => {
  it('logs a lifecycle transition at info and a transport alarm at warn, with the standard and seq', async () => {
    const { log, lines } = captured();
    const listen = journalEventLog(log);
    listen([
      event(10, { type: 'standard_transition', severity: 'info', standard: 'zener-1', message: 'zener-1: in_transit -> settling by alice (arrived)', data: { from: 'in_transit', to: 'settling' } }),
      event(11, { type: 'transport_alarm', severity: 'alarm', standard: 'zener-1', message: 'zener-1: shock 25 g on z (limit 15 g)' }),
      // An acquisition is not an event: skipped without being parsed.
      { seq: 12, kind: 'acquisition', get record(): JournalRecord { throw new Error('an acquisition was parsed'); } },
      event(13, { type: 'device_faulted', severity: 'warning', device: 'dmm-1', message: 'dmm-1 faulted' }),
    ]);
    await flush();
    expect(lines.map((l) => [l.level, l.msg, l.standard, l.seq, l.event])).toEqual([
      [30, 'zener-1: in_transit -> settling by alice (arrived)', 'zener-1', 10, 'standard_transition'],
      [40, 'zener-1: shock 25 g on z (limit 15 g)', 'zener-1', 11, 'transport_alarm'],
    ]);
  });

  it('thins a burst of one event type per standard, and says how many it left out', async () => {
    const { log, lines } = captured();
    let now = 0;
    const listen = journalEventLog(log, { now: () => now, windowMs: 60_000, burst: 2 });
    for (let i = 0; i < 6; i++) listen([event(i + 1, { type: 'environment_excursion', severity: 'warning', standard: 'z', message: `flap ${i}` })]);
    now = 61_000;
    listen([event(7, { type: 'environment_excursion', severity: 'warning', standard: 'z', message: 'flap 6' })]);
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['flap 0', 'flap 1', expect.stringContaining('flap 6 (and 4 more environment_excursion events')]);
  });

  it('logs a device fault once, a reminder while it lasts, and its recovery', async () => {
    const { log, lines } = captured();
    let now = 0;
    const d = new DeviceLog(log, 'dmm-1', () => now, { reminderMs: 300_000 });
    d.state('connected', null, 'Keysight 34465A, S/N 1');
    for (let i = 0; i < 26; i++) {
      now += 1000;
      d.cycleError('TG_LINK_TIMEOUT', 'no reply within 2 s');
      d.state('faulted', 'TG_LINK_TIMEOUT: no reply within 2 s');
      d.state('connecting', null);
    }
    now += 300_000;
    d.state('faulted', 'TG_LINK_DOWN: ECONNREFUSED');
    now += 5000;
    d.state('connected', null);
    await flush();
    const info = lines.filter((l) => (l.level as number) >= 30).map((l) => [l.level, l.msg]);
    expect(info).toEqual([
      [30, 'dmm-1 connected: Keysight 34465A, S/N 1'],
      [40, 'dmm-1 faulted: TG_LINK_TIMEOUT: no reply within 2 s; retrying with backoff'],
      [40, expect.stringMatching(/^dmm-1 still faulted after 5 min 25 s \(27 attempts\): TG_LINK_DOWN/)],
      [30, 'dmm-1 connected again after 5 min 30 s (27 failed attempts)'],
    ]);
  });

  it('logs errors a driver reports (a garbled PTU300 line) at warn, once per code and window, with the count left out', async () => {
    const { log, lines } = captured();
    let now = 0;
    const d = new DeviceLog(log, 'ptu-1', () => now, { windowMs: 60_000 });
    for (let i = 0; i < 15; i++) {
      d.error('TG_PARSE_ERROR', `line ${i}: "RH= 4#.2 %RH"`);
      now += 2000;
    }
    d.error('TG_DEVICE_ERROR', 'another code is logged at once');
    now = 70_000;
    d.error('TG_PARSE_ERROR', 'line 99');
    await flush();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'ptu-1: TG_PARSE_ERROR: line 0: "RH= 4#.2 %RH"'],
      [40, 'ptu-1: TG_DEVICE_ERROR: another code is logged at once'],
      [40, 'ptu-1: TG_PARSE_ERROR: line 99 (and 14 more TG_PARSE_ERROR in the 1 min 10 s before, not logged)'],
    ]);
    expect(lines[0]).toMatchObject({ device: 'ptu-1', code: 'TG_PARSE_ERROR' });
  });

  it("says when a sink's outage goes on, and when it has caught up", async () => {
    const { log, lines } = captured();
    let now = 0;
    const w = new SinkWatch(log, () => now, { reminderMs: 600_000, caughtUpBelow: 10 });
    const s = (state: 'retrying' | 'delivering' | 'idle', pending: number, delivered: number) => [{ name: 'mqtt', state, pending, delivered, lastError: state === 'retrying' ? 'ECONNREFUSED' : null, lagSeconds: pending }];
    w.check(s('idle', 0, 100));
    w.check(s('retrying', 50, 100));
    now = 601_000;
    w.check(s('retrying', 5000, 100));
    now = 700_000;
    w.check(s('delivering', 2000, 3100));
    w.check(s('idle', 0, 5100));
    w.check(s('idle', 0, 5200));
    await flush();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, expect.stringMatching(/^sink mqtt still failing after 10 min 1 s: ECONNREFUSED; 5000 records wait/)],
      [30, 'sink mqtt caught up: 5000 records forwarded since its outage began 11 min 40 s ago'],
    ]);
  });

  it('makes a JSON line readable for a terminal', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: '2026-03-01T12:00:03.123Z', pid: 1, hostname: 'h', component: 'acquisition', device: 'dmm-1', code: 'TG_LINK_TIMEOUT', msg: 'dmm-1 faulted' }));
    expect(line).toBe('12:00:03.123 WARN  [acquisition dmm-1] dmm-1 faulted  code=TG_LINK_TIMEOUT\n');
    expect(prettyLine('not json')).toBe('not json\n');
  });
});
