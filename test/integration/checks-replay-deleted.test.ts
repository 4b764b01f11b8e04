/**
 * Replay after retention and after the disk cap's drop (issue 12, defect 6): the checks rebuild
 * their state from the checkpoint plus the journal records after it. When retention or the cap
 * deleted the checkpoint's own record (a gateway stopped longer than its retention, a journal that
 * reached its cap), the checkpoint still counts: its seq and hash are the journal's anchor (the
 * last deleted record), so the state is exactly that of a gateway that never stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckEngine, CheckPipeline, CheckpointFile, detail } from '../../src/checks/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/journal/index.js';
import { asAcquisition, MIN, Scenario, testStandard } from '../unit/checks/scenario.js';

const root = mkdtempSync(join(tmpdir(), 'tg-replay-deleted-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const standard = testStandard({ initialState: 'measuring', settling: { time: 10 * MIN, window: 5 * MIN, maxThermistorSpread: 0.001 } });

function openJournal(path: string, sc: Scenario, cap?: number): Journal {
  return Journal.open({
    path,
    gateway: 'gw',
    lab: 'LAB',
    clock: sc.clock,
    commitIntervalMs: 1,
    log: silentLogger(),
    ...(cap ? { maxSizeBytes: cap, fullPolicy: 'drop_oldest' as const } : {}),
  });
}

/** Runs `cycles` scenario cycles through a pipeline on `journal`, then closes the pipeline
 *  (checkpoint at the head). Returns the engine. */
async function live(journal: Journal, sc: Scenario, checkpoint: CheckpointFile, cycles: number, engine = new CheckEngine([standard])): Promise<CheckEngine> {
  const pipeline = new CheckPipeline(engine, journal, { clock: sc.clock, log: silentLogger(), checkpoint });
  pipeline.restore();
  for (let i = 0; i < cycles; i++) await Promise.all(sc.cycle().map((r) => pipeline.acquisition(asAcquisition(r))));
  await pipeline.close();
  return engine;
}

function restored(journal: Journal, sc: Scenario, checkpoint: CheckpointFile) {
  const engine = new CheckEngine([standard]);
  const pipeline = new CheckPipeline(engine, journal, { clock: sc.clock, log: silentLogger(), checkpoint });
  return { engine, result: pipeline.restore() };
}

describe('checks replay after deletion', () => {
  it('retention deleted everything up to and including the checkpoint: the state is exactly the live one', async () => {
    const path = join(root, 'retention.sqlite');
    const sc = new Scenario(MIN);
    const checkpoint = new CheckpointFile(`${path}.checks.json`);
    let journal = openJournal(path, sc);
    const engine = await live(journal, sc, checkpoint, 120);
    await journal.close();

    // A long stop: at the next start retention deletes every record (no sink holds them back)
    // before the checks are restored.
    sc.clock.advance(400 * 86_400_000);
    journal = openJournal(path, sc);
    const deleted = journal.applyRetention(sc.clock.now() - 365 * 86_400_000);
    expect(deleted).toBeGreaterThan(0);
    expect(journal.stats().records).toBe(0);
    const r = restored(journal, sc, checkpoint);
    expect(r.result.from).toBe('checkpoint');
    expect(r.engine.snapshot()).toEqual(engine.snapshot());
    expect(detail(r.engine, 'Z1')).toEqual(detail(engine, 'Z1'));
    await journal.close();
  });

  it('the cap dropped the oldest records, checkpoint included, while the gateway ran: a restart still continues from it', async () => {
    const path = join(root, 'drop.sqlite');
    const sc = new Scenario(MIN);
    const checkpoint = new CheckpointFile(`${path}.checks.json`);
    let journal = openJournal(path, sc, 1_000_000);
    const engine = await live(journal, sc, checkpoint, 60);
    // The gateway goes on (no checkpoint until its next close) and fills the journal: the cap drops
    // the oldest records, the checkpoint's among them.
    const cpSeq = checkpoint.load()!.seq;
    const pipeline = new CheckPipeline(engine, journal, { clock: sc.clock, log: silentLogger(), checkpointEvery: Number.MAX_SAFE_INTEGER, checkpointIntervalMs: Number.MAX_SAFE_INTEGER });
    while (journal.stats().firstSeq! <= cpSeq + 1) {
      await Promise.all(sc.cycle().map((r) => pipeline.acquisition({ ...asAcquisition(r), channels: padded(asAcquisition(r).channels) })));
      await new Promise((r) => setImmediate(r));
    }
    // SIGKILL here: no close, no new checkpoint. What the next start finds:
    const anchor = journal.anchor()!;
    expect(anchor.seq).toBeGreaterThan(cpSeq);
    await journal.close();
    journal = openJournal(path, sc, 1_000_000);
    const r = restored(journal, sc, checkpoint);
    // The checkpoint is older than everything left, and the records between it and the first one
    // left are gone for good (a gap event names them): the checks continue from the checkpoint and
    // replay what is left rather than starting from nothing.
    expect(r.result.from).toBe('checkpoint');
    expect(detail(r.engine, 'Z1')?.lifecycle).toEqual(detail(engine, 'Z1')?.lifecycle);
    expect(journal.range(1, 1_000_000).some((rec) => rec.kind === 'event' && rec.event.type === 'gap')).toBe(true);
    await journal.close();
  });
});

/** Bigger records, so the cap is reached in a few hundred cycles. */
function padded(channels: ReturnType<typeof asAcquisition>['channels']) {
  const out: typeof channels = {};
  for (const [k, c] of Object.entries(channels)) out[k] = { ...c, extra: { ...(c.extra ?? {}), pad: 'p'.repeat(3000) } };
  return out;
}
