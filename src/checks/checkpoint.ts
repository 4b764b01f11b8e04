/**
 * A checkpoint of the check engine: its state after the journal record `seq` (whose hash it
 * keeps, so a checkpoint of another journal is never applied). It is a cache: the journal is the
 * truth, and without a usable checkpoint the engine replays the journal from its first record.
 *
 * Contract: `save` writes a temporary file and renames it over the old one (a reader sees the old
 * or the new checkpoint, never a torn one); `load` returns undefined for a missing, unreadable or
 * malformed file and never throws.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EngineSnapshot } from './engine.js';

export interface Checkpoint {
  v: 1;
  seq: number;
  hash: string;
  snapshot: EngineSnapshot;
}

export class CheckpointFile {
  constructor(readonly path: string) {}

  load(): Checkpoint | undefined {
    try {
      const cp = JSON.parse(readFileSync(this.path, 'utf8')) as Checkpoint;
      if (cp?.v !== 1 || !Number.isSafeInteger(cp.seq) || typeof cp.hash !== 'string' || typeof cp.snapshot !== 'object') return undefined;
      return cp;
    } catch {
      return undefined;
    }
  }

  save(cp: Checkpoint): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(cp));
    renameSync(tmp, this.path);
  }
}
