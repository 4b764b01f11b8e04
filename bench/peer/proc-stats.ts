/**
 * CPU time and resident memory of one process, read from /proc (Linux), so that the same numbers
 * are taken the same way for any process whatever it runs. Only the process itself is counted (all
 * its threads: V8's GC and compiler threads, libuv's pool), never its children.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second for /proc/PID/stat times (`getconf CLK_TCK`, normally 100). */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** User + system CPU seconds the process has used so far (utime + stime of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * The same for the process's main thread alone (/proc/PID/task/PID/stat): its JavaScript, its
 * event loop, and the collections V8 runs on it. What `cpuSeconds` has beyond this went to helper
 * threads: V8's concurrent marking and sweeping and its optimizing compiler, libuv's pool.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]); // field 14 of the whole line
  const stime = Number(fields[12]); // field 15
  return (utime + stime) / clockTicksPerSecond();
}

/**
 * A counter of /proc/PID/io: `write_bytes`, what the process has caused to be written to storage
 * (counted as it dirties a file's page cache, so pages rewritten after each sync count each time,
 * as flash wears under them; sockets and pipes do not count), or `wchar`, every byte it handed to
 * write and pwrite, sockets and pipes included.
 */
export function ioCounter(pid: number | 'self', counter: 'write_bytes' | 'wchar'): number {
  const m = new RegExp(`^${counter}:\\s+(\\d+)$`, 'm').exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!m) throw new Error(`no ${counter} for process ${pid} (has it exited?)`);
  return Number(m[1]);
}

/** The process's resident set size now, in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid} (has it exited?)`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS once a second (and once at start) and keeps the largest sample. */
export class RssSampler {
  #max = 0;
  #last = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 1000);
  }

  /** The largest sample so far, in bytes. */
  get max(): number {
    return this.#max;
  }

  /** The latest sample, in bytes. */
  get last(): number {
    return this.#last;
  }

  /** Takes a last sample and stops; returns the maximum. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.#max;
  }

  #sample(): void {
    try {
      this.#last = rssBytes(this.pid);
      this.#max = Math.max(this.#max, this.#last);
    } catch {
      // The process has exited: its caller notices that on its own.
    }
  }
}

export const MiB = 1024 * 1024;
