import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AcquisitionRecord, JournalRecord } from '../../src/core/types.js';
import { hashRecord } from '../../src/integrity/canonical.js';
import { Journal } from '../../src/journal/index.js';

const WRITER = fileURLToPath(new URL('../helpers/journal-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACKS_BEFORE_KILL = 400;

let dir: string | undefined;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the writer until it printed `n` acks, SIGKILLs it, and returns every ack it printed. */
function runAndKill(path: string, n: number): Promise<{ seq: number; value: number }[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let err = '';
    let killed = false;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length > n) {
        killed = true;
        proc.kill('SIGKILL'); // mid-write: the writer commits continuously
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited early (code ${code}): ${err}`));
      const acks = out
        .split('\n')
        .filter((line) => /^\d+ \d+$/.test(line))
        .map((line) => {
          const [seq, value] = line.split(' ').map(Number);
          return { seq: seq!, value: value! };
        });
      resolve(acks);
    });
  });
}

/** The writer's acquisitions have one channel, ch1, whose value is unique per append. */
function valueOf(r: JournalRecord): number | null | undefined {
  expect(r.kind).toBe('acquisition');
  return (r as AcquisitionRecord).channels.ch1?.value;
}

describe('journal durability under SIGKILL', () => {
  it('keeps every acknowledged acquisition exactly once, gap-free and chained, and continues after it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-journal-kill-'));
    const path = join(dir, 'journal.sqlite');
    const acks = await runAndKill(path, ACKS_BEFORE_KILL);
    expect(acks.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(acks.length); // no seq acknowledged twice

    const journal = Journal.open({ path, gateway: 'gw-kill', lab: 'LAB', clock: systemClock, commitIntervalMs: 1, log: silentLogger() });
    try {
      const records = journal.range(1, 1_000_000);
      const last = journal.lastSeq;
      expect(last).toBeGreaterThanOrEqual(Math.max(...acks.map((a) => a.seq)));
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));

      // Every acknowledged seq holds exactly the acquisition that was acknowledged under it.
      for (const ack of acks) expect(valueOf(records[ack.seq - 1]!)).toBe(ack.value);
      // Values are unique per append: no acquisition was stored twice.
      expect(new Set(records.map(valueOf)).size).toBe(records.length);

      let prev = '';
      for (const r of records) {
        expect(r.prevHash).toBe(prev);
        expect(hashRecord(r)).toBe(r.hash);
        prev = r.hash;
      }

      const next = await journal.appendAcquisition({
        device: 'after', time: Date.now(), clock: 'unknown', channels: { ch1: { quantity: 'voltage', value: 1, unit: 'V' } },
      });
      expect(next.seq).toBe(last + 1);
      expect(next.prevHash).toBe(prev);
    } finally {
      await journal.close();
    }
  });
});
