/**
 * What one group commit writes to disk when several devices poll slowly (ten devices, one
 * acquisition each per commit: the peer suite's W2 with 100 ms commits). Every commit rewrites
 * whole pages: the table's last leaf and, in the index by device and time, one leaf per device.
 * On an edge box's flash that write amplification is wear, and each page costs CPU to write, sync
 * and checkpoint: this holds it to what the schema needs (a new index, or a row per value, would
 * show here).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition } from '../../src/core/types.js';
import { Journal } from '../../src/journal/index.js';

const DEVICES = 10;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-writes-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Device d's acquisition of slot i: five channels, as a Modbus register map gives them. */
function acquisition(d: number, i: number): Acquisition {
  const channels: Acquisition['channels'] = {};
  for (const [k, name] of ['temperature', 'humidity', 'pressure', 'voltage', 'current'].entries()) {
    channels[name] = { quantity: name, unit: 'u', value: 20 + k + ((i * 7919) % 13) / 100 };
  }
  return { device: `d${String(d).padStart(2, '0')}`, time: 1_800_000_000_000 + i * 100, clock: 'yes', channels };
}

async function slot(j: Journal, i: number): Promise<void> {
  const appended = Array.from({ length: DEVICES }, (_, d) => j.appendAcquisition(acquisition(d, i)));
  await j.flush();
  await Promise.all(appended);
}

it('a commit of one acquisition from each of ten devices writes at most two pages per device to the WAL', async () => {
  const path = join(dir, 'journal.sqlite');
  const j = Journal.open({ path, gateway: 'gw', lab: 'LAB', clock: systemClock, commitIntervalMs: 100, log: silentLogger() });
  try {
    // Long enough that each device's entries in the index by device and time span many pages.
    for (let i = 0; i < 1500; i++) await slot(j, i);
    const other = new Database(path);
    const wal = () => statSync(`${path}-wal`).size;
    try {
      other.pragma('wal_checkpoint(TRUNCATE)');
      expect(wal()).toBe(0);
      await slot(j, 1500);
      const pageSize = other.pragma('page_size', { simple: true }) as number;
      const frames = (wal() - 32) / (24 + pageSize); // the WAL's header, then a header and a page per frame
      expect(frames).toBeGreaterThanOrEqual(DEVICES); // each device's index leaf at least: the measure sees the pages
      expect(frames).toBeLessThanOrEqual(2 * DEVICES); // 11 with 16 KiB pages, 15 with 4 KiB (page splits)
    } finally {
      other.close();
    }
  } finally {
    await j.close();
  }
});
