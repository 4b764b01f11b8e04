/**
 * The disk cap under SIGKILL (issue 12, defect 6): a gateway killed at any point while the cap
 * drops records under drop_oldest restarts with every acknowledged acquisition either still in the
 * journal or inside a journaled gap, every missing seq named by a gap event, and one unbroken
 * chain from the anchor. Several kills in a row, each at an arbitrary point (after a random number
 * of acknowledgements), each followed by a restart of the same journal.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AcquisitionRecord, EventRecord } from '../../src/core/types.js';
import { hashRecord } from '../../src/integrity/canonical.js';
import { Journal } from '../../src/journal/index.js';

const WRITER = fileURLToPath(new URL('../helpers/journal-cap-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tg-cap-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until it printed `n` acks, SIGKILLs it, and returns the acks. */
function runAndKill(path: string, n: number, start: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', WRITER, path, '1000000', String(start)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      lines += chunk.split('\n').length - 1;
      if (lines >= n && proc.signalCode === null && proc.exitCode === null) proc.kill('SIGKILL');
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited early (code ${code}): ${err}`));
      const acks = new Map<number, number>();
      for (const line of out.split('\n')) {
        const m = /^(\d+) (\d+)$/.exec(line);
        if (m) acks.set(Number(m[1]), Number(m[2]));
      }
      resolve(acks);
    });
  });
}

describe('drop_oldest under SIGKILL', () => {
  it('every kill leaves each acknowledged reading kept or inside a journaled gap, and every drop journaled', async () => {
    const path = join(dir, 'journal.sqlite');
    const acked = new Map<number, number>();
    let start = 0;
    let dropsSeen = 0;
    // Kill points: after a random number of acks each time (fast-check picks them; a failure
    // shrinks to the shortest sequence of kills that shows it).
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1e9);
    const killPoints = fc.sample(fc.array(fc.integer({ min: 500, max: 4000 }), { minLength: 5, maxLength: 5 }), { numRuns: 1, seed })[0]!;
    console.info(`kill points ${killPoints.join(', ')} (KILL_SEED=${seed})`);
    for (const n of killPoints) {
      start += 10_000_000;
      for (const [seq, value] of await runAndKill(path, n, start)) acked.set(seq, value);

      const journal = Journal.open({ path, gateway: 'gw-cap-kill', lab: 'LAB', clock: systemClock, commitIntervalMs: 1, log: silentLogger() });
      try {
        const records = journal.range(1, 10_000_000);
        const present = new Map(records.map((r) => [r.seq, r]));
        const gaps = records
          .filter((r): r is EventRecord => r.kind === 'event' && r.event.type === 'gap')
          .map((r) => r.event.data as { firstSeq: number; lastSeq: number });
        const covered = (seq: number) => gaps.some((g) => seq >= g.firstSeq && seq <= g.lastSeq);
        dropsSeen = gaps.length;
        // Every seq up to the head is in the journal or named by a gap event.
        for (let seq = 1; seq <= journal.lastSeq; seq++) expect(present.has(seq) || covered(seq), `seq ${seq}`).toBe(true);
        // Every acknowledged reading is kept as acknowledged, or was dropped with a gap naming it.
        for (const [seq, value] of acked) {
          const r = present.get(seq);
          if (r) expect((r as AcquisitionRecord).channels.ch1?.value, `seq ${seq}`).toBe(value);
          else expect(covered(seq), `acknowledged seq ${seq} vanished without a gap event`).toBe(true);
        }
        // One unbroken chain from the anchor.
        let prev = journal.anchor()?.hash ?? '';
        for (const r of records) {
          expect(r.prevHash).toBe(prev);
          expect(hashRecord(r)).toBe(r.hash);
          prev = r.hash;
        }
      } finally {
        await journal.close();
      }
    }
    expect(acked.size).toBeGreaterThan(250);
    expect(dropsSeen, 'the cap dropped records during the run').toBeGreaterThan(0);
  }, 300_000);
});
