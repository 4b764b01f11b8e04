/**
 * Clock provenance: is the system clock synchronised to a time source right now?
 *
 * Contract:
 * - `state()` returns the last known answer, 'yes', 'no' or 'unknown', at once: it never runs a
 *   command, so the journal can stamp every record with it on the hot path.
 * - The answer is refreshed off the hot path every `refreshMs` (default 60 s) by asking, in order:
 *   1. `timedatectl show -p NTPSynchronized --value` (systemd-timesyncd, or any NTP daemon systemd
 *      knows about): "yes" or "no";
 *   2. `chronyc tracking` (chrony, common on lab boxes and in containers without systemd): the
 *      "Leap status" line; "Normal", "Insert second" and "Delete second" mean synchronised,
 *      "Not synchronised" means not.
 *   The first source that gives an answer wins. A missing command, one that fails (e.g. timedatectl
 *   without systemd as PID 1) or prints something unrecognised falls through to the next; when no
 *   source answers the state is 'unknown'. Each command is killed after `commandTimeoutMs`.
 * - `start()` runs the first probe and resolves when it has an answer (so the first records of a
 *   run carry it); it never rejects. `stop()` cancels the schedule. Timers do not keep the process
 *   alive.
 * - `onChange` listeners hear every change of state (e.g. to journal an event).
 */
import { execFile } from 'node:child_process';
import type { Logger } from './logger.js';
import type { ClockSyncState } from './types.js';

export type { ClockSyncState };

/** What the journal asks for each record. */
export interface ClockSyncProvider {
  state(): ClockSyncState;
}

/** Runs a command; resolves with its stdout, rejects when it cannot start, fails or times out. */
export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export interface ClockSyncOptions {
  log?: Logger;
  /** Time between probes, ms (default 60 000). */
  refreshMs?: number;
  /** Each command's time limit, ms (default 2 000). */
  commandTimeoutMs?: number;
  /** How commands are run (default: execFile with the process's PATH). */
  run?: CommandRunner;
}

/** A fixed answer, e.g. for tests and tools that write no records. */
export function fixedClockSync(state: ClockSyncState): ClockSyncProvider {
  return { state: () => state };
}

export const execCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/** 'yes'/'no' from `timedatectl show -p NTPSynchronized --value`, undefined when unrecognised. */
export function parseTimedatectl(stdout: string): Exclude<ClockSyncState, 'unknown'> | undefined {
  const v = stdout.trim().toLowerCase();
  return v === 'yes' ? 'yes' : v === 'no' ? 'no' : undefined;
}

/** 'yes'/'no' from `chronyc tracking`'s "Leap status" line, undefined when unrecognised. */
export function parseChronycTracking(stdout: string): Exclude<ClockSyncState, 'unknown'> | undefined {
  const m = /^\s*Leap status\s*:\s*(.+?)\s*$/im.exec(stdout);
  if (!m) return undefined;
  const status = m[1]!.toLowerCase();
  if (status === 'not synchronised' || status === 'not synchronized') return 'no';
  if (status === 'normal' || status === 'insert second' || status === 'delete second') return 'yes';
  return undefined;
}

const SOURCES: { name: string; file: string; args: string[]; parse: (s: string) => 'yes' | 'no' | undefined }[] = [
  { name: 'timedatectl', file: 'timedatectl', args: ['show', '-p', 'NTPSynchronized', '--value'], parse: parseTimedatectl },
  { name: 'chronyc', file: 'chronyc', args: ['tracking'], parse: parseChronycTracking },
];

export class ClockSyncMonitor implements ClockSyncProvider {
  readonly #refreshMs: number;
  readonly #timeoutMs: number;
  readonly #run: CommandRunner;
  readonly #log: Logger | undefined;
  #state: ClockSyncState = 'unknown';
  #source: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ClockSyncState> | undefined;
  #stopped = false;
  #probed = false;
  #listeners: ((state: ClockSyncState, source: string | undefined) => void)[] = [];

  constructor(options: ClockSyncOptions = {}) {
    this.#refreshMs = options.refreshMs ?? 60_000;
    this.#timeoutMs = options.commandTimeoutMs ?? 2_000;
    this.#run = options.run ?? execCommand;
    this.#log = options.log;
  }

  state(): ClockSyncState {
    return this.#state;
  }

  /** The command that gave the current answer, if any. */
  get source(): string | undefined {
    return this.#source;
  }

  onChange(listener: (state: ClockSyncState, source: string | undefined) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** First probe, then one every `refreshMs`. */
  async start(): Promise<ClockSyncState> {
    this.#stopped = false;
    const state = await this.refresh();
    this.#schedule();
    return state;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Probe now (concurrent calls share one probe). Never rejects. */
  refresh(): Promise<ClockSyncState> {
    this.#running ??= this.#probe().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.refresh().then(() => this.#schedule());
    }, this.#refreshMs);
    this.#timer.unref();
  }

  async #probe(): Promise<ClockSyncState> {
    let state: ClockSyncState = 'unknown';
    let source: string | undefined;
    for (const s of SOURCES) {
      try {
        const answer = s.parse(await this.#run(s.file, s.args, this.#timeoutMs));
        if (answer) {
          state = answer;
          source = s.name;
          break;
        }
      } catch {
        // not installed, not running, timed out: try the next source
      }
    }
    const first = !this.#probed;
    this.#probed = true;
    if (first || state !== this.#state || source !== this.#source) {
      const level = state === 'yes' ? 'info' : 'warn';
      this.#log?.[level]({ clockSynchronised: state, source: source ?? 'none' }, 'clock synchronisation state');
      this.#state = state;
      this.#source = source;
      for (const l of this.#listeners) l(state, source);
    }
    return state;
  }
}
