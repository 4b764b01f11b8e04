/**
 * The checks in the data flow: acquisition -> CheckPipeline -> journal. It is the gateway's
 * AcquisitionOutput; the API's operator actions also come through it.
 *
 * Contract:
 * - `acquisition(a)`: the engine judges a, then — synchronously, in this order — the annotated
 *   acquisition and the events it raised are queued in the journal. Resolves when they are
 *   committed. So the journal's order is the engine's order, for every acquisition and every
 *   operator action.
 * - `transition` / `resolveAlarms`: the engine acts at the gateway clock's time and the event is
 *   journaled (resolves with its seq); a refused action journals nothing.
 * - `restore()` (before acquisition starts): the engine's state is rebuilt from the checkpoint file
 *   (if it belongs to this journal and configuration) plus the journal records after it, or from
 *   the whole journal. Either way the state equals that of a gateway that never stopped.
 * - After `checkpointEvery` judged acquisitions, or `checkpointIntervalMs` (real time) after the
 *   last checkpoint once any was judged since (and in `close()`), a checkpoint is written
 *   once the records it covers are committed; a failure to write it is logged, never fatal.
 * - The engine leaves its state alone for a reading the journal would refuse (non-finite numbers).
 *   Limitation: if a commit itself fails (disk full), the acquisitions of that batch stay in the live
 *   state but not in a replay; the next restart rebuilds from what the journal holds.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Acquisition, GatewayEvent, JournalRecord } from '../core/types.js';
import type { CheckpointFile } from './checkpoint.js';
import type { ActionOutcome, CheckEngine, ProcessResult } from './engine.js';
import type { LifecycleState } from './lifecycle.js';

/** What the pipeline needs of the journal. */
export interface PipelineJournal {
  appendAcquisition(a: Acquisition): Promise<JournalRecord>;
  appendEvent(e: GatewayEvent): Promise<JournalRecord>;
  range(fromSeq: number, limit: number): JournalRecord[];
  record(seq: number): JournalRecord | undefined;
  readonly head: { seq: number; hash: string };
  flush(): Promise<void>;
  /** The last record retention or the disk cap deleted (seq and hash), if any. */
  anchor?(): { seq: number; hash: string } | null;
}

export interface PipelineOptions {
  clock: Clock;
  log: Logger;
  checkpoint?: CheckpointFile;
  /** Judged acquisitions between checkpoints at most. Default 100 000. */
  checkpointEvery?: number;
  /** Time between checkpoints at most, while acquisitions are judged. Default 60 s: a restart
   *  then replays at most a minute of the journal, and a fast device does not write the engine's
   *  state several times a second. */
  checkpointIntervalMs?: number;
}

/** An action's outcome; 'not_ready' when the gateway cannot journal yet (starting). */
export type ActionResult = (ActionOutcome & { seq?: number }) | { ok: false; code: 'not_ready'; message: string; allowed?: undefined };

const PAGE = 1000;

export class CheckPipeline {
  private sinceCheckpoint = 0;
  private lastCheckpointAt = performance.now();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly engine: CheckEngine,
    private readonly journal: PipelineJournal,
    private readonly opts: PipelineOptions,
  ) {}

  restore(): { from: 'checkpoint' | 'journal'; fromSeq: number; replayed: number } {
    const cp = this.opts.checkpoint?.load();
    let fromSeq = 1;
    let from: 'checkpoint' | 'journal' = 'journal';
    if (cp && cp.seq <= this.journal.head.seq && this.checkpointHolds(cp) && this.engine.restore(cp.snapshot)) {
      fromSeq = cp.seq + 1;
      from = 'checkpoint';
    }
    let next = fromSeq;
    let replayed = 0;
    for (;;) {
      const page = this.journal.range(next, PAGE);
      for (const rec of page) this.engine.replay(rec);
      replayed += page.length;
      if (page.length < PAGE) break;
      next = page[page.length - 1]!.seq + 1;
    }
    this.opts.log.info({ from, fromSeq, replayed, standards: this.engine.ids().length }, 'checks restored');
    return { from, fromSeq, replayed };
  }

  /**
   * The checkpoint belongs to this journal: its record is there with its hash, or retention or the
   * disk cap deleted it (it is the anchor, the last record deleted, with its hash; or older than
   * the anchor, whose records are gone: the checks then continue from it without what was
   * deleted after it, which is still far closer than starting from nothing).
   */
  private checkpointHolds(cp: { seq: number; hash: string }): boolean {
    const rec = this.journal.record(cp.seq);
    if (rec) return rec.hash === cp.hash;
    const anchor = this.journal.anchor?.();
    if (!anchor || cp.seq > anchor.seq) return false;
    if (cp.seq === anchor.seq) return anchor.hash === cp.hash;
    this.opts.log.warn({ checkpointSeq: cp.seq, anchorSeq: anchor.seq }, 'checks: records after the checkpoint were deleted (retention or the disk cap); continuing from the checkpoint without them');
    return true;
  }

  /** Not async: the append's own promise is handed back (no promise of its own per acquisition
   *  on the hot path, one for all when the checks raised events). */
  acquisition(a: Acquisition): Promise<unknown> {
    let res: ProcessResult;
    try {
      res = this.engine.process(a);
    } catch (err) {
      return Promise.reject(err);
    }
    const appended = this.journal.appendAcquisition(res.acquisition);
    if (!res.judged) return appended;
    let last = appended;
    let all: Promise<unknown> = appended;
    if (res.events.length > 0) {
      const pending: Promise<JournalRecord>[] = [appended];
      for (const e of res.events) pending.push((last = this.journal.appendEvent(e)));
      all = Promise.all(pending);
    }
    const every = this.opts.checkpointEvery ?? 100_000;
    const interval = this.opts.checkpointIntervalMs ?? 60_000;
    if (++this.sinceCheckpoint >= every || performance.now() - this.lastCheckpointAt >= interval) {
      this.sinceCheckpoint = 0;
      this.lastCheckpointAt = performance.now();
      this.scheduleCheckpoint(last);
    }
    return all;
  }

  async event(e: GatewayEvent): Promise<void> {
    await this.journal.appendEvent(e);
  }

  transition(id: string, to: LifecycleState, note: string | undefined, by: string): Promise<ActionResult> {
    return this.act(this.engine.transition(id, to, by, note, this.opts.clock.now()));
  }

  resolveAlarms(id: string, note: string | undefined, by: string): Promise<ActionResult> {
    return this.act(this.engine.resolveAlarms(id, by, note, this.opts.clock.now()));
  }

  private async act(out: ActionOutcome): Promise<ActionResult> {
    if (!out.ok) return out;
    const rec = await this.journal.appendEvent(out.event);
    return { ...out, seq: rec.seq };
  }

  /** Snapshot now; write it once `last` (the newest queued record it covers) is committed. */
  private scheduleCheckpoint(last: Promise<JournalRecord>): void {
    const file = this.opts.checkpoint;
    if (!file) return;
    const snapshot = this.engine.snapshot();
    this.saving = this.saving
      .then(() => last)
      .then((rec) => file.save({ v: 1, seq: rec.seq, hash: rec.hash, snapshot }))
      .catch((err: unknown) => this.opts.log.warn({ err }, 'checks checkpoint not written'));
  }

  /** Flushes the journal and writes a final checkpoint at its head. Call before closing the journal. */
  async close(): Promise<void> {
    await this.saving;
    const file = this.opts.checkpoint;
    if (!file) return;
    try {
      await this.journal.flush();
      const head = this.journal.head;
      if (head.seq > 0) file.save({ v: 1, seq: head.seq, hash: head.hash, snapshot: this.engine.snapshot() });
    } catch (err) {
      this.opts.log.warn({ err }, 'checks checkpoint not written');
    }
  }
}
