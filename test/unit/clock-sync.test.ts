import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClockSyncMonitor,
  execCommand,
  parseChronycTracking,
  parseTimedatectl,
  type ClockSyncState,
  type CommandRunner,
} from '../../src/core/clock-sync.js';

const CHRONY_SYNCED = `Reference ID    : C0A80001 (ntp.lab.example)
Stratum         : 3
Ref time (UTC)  : Thu Jan 01 10:00:00 2026
System time     : 0.000012345 seconds fast of NTP time
Last offset     : +0.000001234 seconds
Leap status     : Normal
`;
const CHRONY_UNSYNCED = `Reference ID    : 00000000 ()
Stratum         : 0
Leap status     : Not synchronised
`;

describe('clock provenance parsers', () => {
  it('reads timedatectl NTPSynchronized', () => {
    expect(parseTimedatectl('yes\n')).toBe('yes');
    expect(parseTimedatectl('no\n')).toBe('no');
    expect(parseTimedatectl('')).toBeUndefined();
  });

  it("reads chronyc tracking's leap status", () => {
    expect(parseChronycTracking(CHRONY_SYNCED)).toBe('yes');
    expect(parseChronycTracking(CHRONY_UNSYNCED)).toBe('no');
    expect(parseChronycTracking('Leap status     : Insert second\n')).toBe('yes');
    expect(parseChronycTracking('506 Cannot talk to daemon\n')).toBeUndefined();
  });
});

describe('ClockSyncMonitor with real commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-clocksync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A folder of executables standing in for timedatectl and chronyc. */
  function tools(name: string, scripts: { timedatectl?: string; chronyc?: string }): CommandRunner {
    const bin = join(dir, name);
    mkdirSync(bin);
    for (const [tool, body] of Object.entries(scripts)) {
      const file = join(bin, tool);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
    }
    return (file, args, timeoutMs) => execCommand(join(bin, file), args, timeoutMs);
  }

  it('answers from timedatectl when it works, and says which source answered', async () => {
    const run = tools('a', { timedatectl: '[ "$1 $2 $3 $4" = "show -p NTPSynchronized --value" ] && echo yes' });
    const m = new ClockSyncMonitor({ run });
    expect(await m.start()).toBe('yes');
    m.stop();
    expect(m.state()).toBe('yes');
    expect(m.source).toBe('timedatectl');
  });

  it('falls back to chrony when timedatectl fails (no systemd), and to unknown when nothing answers', async () => {
    const run = tools('b', {
      timedatectl: 'echo "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2; exit 1',
      chronyc: `cat <<'EOF'\n${CHRONY_UNSYNCED}EOF`,
    });
    const m = new ClockSyncMonitor({ run });
    expect(await m.refresh()).toBe('no');
    expect(m.source).toBe('chronyc');

    const none = new ClockSyncMonitor({ run: tools('c', {}) }); // neither command exists
    expect(await none.refresh()).toBe('unknown');
    expect(none.source).toBeUndefined();
  });

  it('gives up on a command that hangs, and state() answers at once while a probe runs', async () => {
    const run = tools('d', { timedatectl: 'exec sleep 20', chronyc: `cat <<'EOF'\n${CHRONY_SYNCED}EOF` });
    const m = new ClockSyncMonitor({ run, commandTimeoutMs: 200 });
    const probing = m.refresh();
    expect(m.state()).toBe('unknown'); // the probe has not finished; nothing waits for it
    expect(await probing).toBe('yes');
  });

  it('tells listeners when the state changes', async () => {
    let answer = 'yes';
    const m = new ClockSyncMonitor({ run: async () => `${answer}\n` });
    const seen: ClockSyncState[] = [];
    m.onChange((s) => seen.push(s));
    await m.refresh();
    answer = 'no';
    await m.refresh();
    await m.refresh();
    expect(seen).toEqual(['yes', 'no']);
  });
});
