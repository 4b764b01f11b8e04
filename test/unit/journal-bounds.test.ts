/**
 * Honest disk bounds (issue 12, defects 4 and 6): the cap counts what is on disk (database, WAL
 * and WAL index) and checkpoints keep the WAL small; under `drop_oldest` the gap event commits with
 * the delete it names; under `stop` acquisition really pauses (devices poll nothing, their state
 * says `paused`) and resumes when the sinks caught up.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeviceRunner } from '../../src/acquisition/device-runner.js';
import { systemClock } from '../../src/core/clock.js';
import type { LineDriverDefinition } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/logger.js';
import type { EventRecord } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';
import { connectedLink } from '../helpers/connected-link.js';

const dirs: string[] = [];
const journals: Journal[] = [];
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(options: { maxSizeBytes: number; fullPolicy: 'stop' | 'drop_oldest'; commitIntervalMs?: number }): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bounds-'));
  dirs.push(dir);
  const j = Journal.open({ path: join(dir, 'journal.sqlite'), gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: options.commitIntervalMs ?? 1, log: silentLogger(), ...options });
  journals.push(j);
  return j;
}

const onDisk = (j: Journal) => ['', '-wal', '-shm'].reduce((n, s) => n + sizeOf(j.path + s), 0);
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

let value = 0;
function acquisition() {
  value += 1;
  return { device: 'dmm', time: Date.now(), clock: 'yes' as const, channels: { ch1: { quantity: 'voltage', value, unit: 'V', extra: { note: 'x'.repeat(300) } } } };
}

/** The seqs in the file and its gap events, through a connection of its own (what a restart after
 *  SIGKILL would find). */
function fileState(path: string): { seqs: number[]; gaps: { firstSeq: number; lastSeq: number }[] } {
  const db = new Database(path, { readonly: true });
  try {
    const seqs = db.prepare('SELECT seq FROM records ORDER BY seq').pluck().all() as number[];
    const gaps = (db.prepare("SELECT body FROM records WHERE body LIKE '%\"type\":\"gap\"%'").pluck().all() as string[]).map(
      (b) => (JSON.parse(b) as EventRecord).event.data as { firstSeq: number; lastSeq: number },
    );
    return { seqs, gaps };
  } finally {
    db.close();
  }
}

describe('the cap counts the WAL', () => {
  it.each(['drop_oldest', 'stop'] as const)('%s: database + WAL + index stay near the cap while records keep coming', async (policy) => {
    const cap = 1_000_000;
    const j = open({ maxSizeBytes: cap, fullPolicy: policy });
    // policy stop: a sink that keeps up, so the cap trims what it delivered; drop_oldest: no sink.
    if (policy === 'stop') j.cursor('influx');
    let largest = 0;
    for (let round = 0; round < 60; round++) {
      await Promise.all(Array.from({ length: 100 }, () => j.appendAcquisition(acquisition())));
      if (policy === 'stop') j.setCursor('influx', j.lastSeq);
      await new Promise((r) => setImmediate(r)); // the cap's check
      largest = Math.max(largest, onDisk(j));
    }
    expect(j.lastSeq).toBeGreaterThanOrEqual(6000); // far more than fits: about 3 MB of records went through
    // One commit of 100 records (~50 kB) and a page or two of slack above the cap, not megabytes.
    console.info(`${policy}: largest on disk ${largest} bytes for a cap of ${cap}`);
    expect(largest).toBeLessThanOrEqual(cap * 1.15);
    expect(j.capStats()!.usedBytes).toBeLessThanOrEqual(cap);
    expect(j.capStats()!.walBytes).toBeGreaterThan(0);
  });
});

describe('drop_oldest journals the gap in the same transaction as the delete', () => {
  it('the moment the delete is visible in the file, the gap event naming it is there too', async () => {
    // A long commit interval: an event that went through the ordinary queue would wait 10 s.
    const j = open({ maxSizeBytes: 1_000_000, fullPolicy: 'drop_oldest', commitIntervalMs: 10_000 });
    let dropped = 0;
    for (let round = 0; round < 80 && dropped === 0; round++) {
      const appends = Array.from({ length: 100 }, () => j.appendAcquisition(acquisition()));
      await j.flush();
      await Promise.all(appends);
      // Give the cap its turn, then look at the file as a restart after SIGKILL would.
      await new Promise((r) => setImmediate(r));
      const { seqs, gaps } = fileState(j.path);
      const first = seqs[0]!;
      for (let seq = 1; seq < first; seq++) {
        expect(
          gaps.some((g) => seq >= g.firstSeq && seq <= g.lastSeq),
          `seq ${seq} is gone from the file and no gap event there names it`,
        ).toBe(true);
      }
      dropped = first - 1;
    }
    expect(dropped).toBeGreaterThan(0);
  });
});

describe('policy stop pauses acquisition', () => {
  const link = connectedLink();

  it('devices poll nothing while the journal is full, say paused, and resume once the sink caught up', async () => {
    const j = open({ maxSizeBytes: 1_000_000, fullPolicy: 'stop' });
    j.cursor('influx'); // a sink that delivers nothing yet
    let reads = 0;
    const def: LineDriverDefinition = {
      kind: 'fake',
      description: 'counts reads',
      linkKind: 'line',
      config: z.object({}),
      create: () => ({
        connect: async () => null,
        read: async () => {
          reads++;
          return [{ channel: 'ch1', quantity: 'voltage', unit: 'V', value: reads, extra: { note: 'y'.repeat(2000) } }];
        },
        close: async () => undefined,
      }),
    };
    const events: string[] = [];
    const runner = new DeviceRunner({ id: 'dmm', driver: 'fake', link: 'l', interval: 0, timeout: 100, enabled: true, options: {} }, def, link, {
      clock: systemClock,
      log: silentLogger(),
      output: {
        acquisition: async (a) => void (await j.appendAcquisition(a)),
        event: async (e) => void events.push(e.type),
        paused: () => j.acquisitionPaused,
        resumed: () => j.whenAdmitting() ?? Promise.resolve(),
        refused: () => j.refusedWhilePaused(),
      },
    });
    const stop = new AbortController();
    runner.start(stop.signal);
    try {
      await until('the journal to fill', () => j.acquisitionPaused);
      await until('the device to pause', () => runner.snapshot().state === 'paused');
      const atPause = reads;
      // Every chance to poll: many turns of the event loop and timers.
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 100));
      expect(reads - atPause).toBe(0);
      expect(runner.snapshot().state).toBe('paused');
      // At most the one reading requested before the journal filled waits in memory (a device
      // polling back to back has its next request out while the one before is journaled).
      expect(j.capStats()).toMatchObject({ full: true });
      expect(j.capStats()?.held).toBeLessThanOrEqual(1);

      // The sink catches up: room again, the device resumes by itself.
      j.setCursor('influx', j.lastSeq);
      await until('reads to resume', () => reads > atPause + 3);
      expect(j.acquisitionPaused).toBe(false);
      expect(runner.snapshot().state).toBe('connected');
      // journal_resumed is queued before the held readings are let go; the reads that followed can
      // outrun its group commit, so commit what is queued before reading the journal back.
      await j.flush();
      const types = j.range(1, 1_000_000).flatMap((r) => (r.kind === 'event' ? [r.event.type] : []));
      expect(types).toEqual(expect.arrayContaining(['journal_full', 'journal_resumed']));
    } finally {
      stop.abort();
      await runner.stopped();
    }
  });
});

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
