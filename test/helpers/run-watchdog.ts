/**
 * A reporter that ends a test run Vitest itself cannot end, and says where it stuck.
 *
 * Vitest 4 awaits every test worker's exit before it prints the summary and exits. A worker that
 * dies by a signal on its own (a crash at exit) just as Vitest stops it is never seen to exit:
 * Vitest waits for an 'exit' event that has already been emitted (it checks `exitCode`, which is
 * null after a signal, not `signalCode`), and the run hangs with every test file reported. And a
 * test file blocked in a synchronous call never reaches its test timeout. Either way CI would
 * only say that the run did not finish.
 *
 * This reporter runs in Vitest's main process:
 * - when every test file of the run has ended and Vitest has not finished `FINISH_GRACE_MS` later,
 *   it prints so, every process's state, and the files that failed, and exits: 1 when a file
 *   failed or an error escaped a test, 0 when every file passed;
 * - when files are running and none has ended for `STALL_MS`, it prints the running files and
 *   every process's state, and exits 1.
 * A run that ends normally never sees it. RUN_WATCHDOG_GRACE_MS and RUN_WATCHDOG_STALL_MS override
 * the two limits (to try it: RUN_WATCHDOG_GRACE_MS=1 npx vitest run test/unit/backoff.test.ts).
 */
import { execFileSync } from 'node:child_process';
import type { Reporter, TestModule, TestSpecification, Vitest } from 'vitest/node';

const FINISH_GRACE_MS = Number(process.env.RUN_WATCHDOG_GRACE_MS) || 120_000;
/** Far above the slowest file (about a minute), on a loaded machine too. */
const STALL_MS = Number(process.env.RUN_WATCHDOG_STALL_MS) || 600_000;

export default class RunWatchdog implements Reporter {
  #vitest: Vitest | undefined;
  #expected = 0;
  readonly #notEnded = new Set<string>();
  readonly #ended: TestModule[] = [];
  #timer: NodeJS.Timeout | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.#expected = new Set(specifications.map((s) => s.moduleId)).size;
    this.#ended.length = 0;
    this.#notEnded.clear();
    this.#arm(STALL_MS, () => this.#stalled());
  }

  onTestModuleQueued(module: TestModule): void {
    this.#notEnded.add(module.moduleId);
  }

  onTestModuleEnd(module: TestModule): void {
    this.#notEnded.delete(module.moduleId);
    this.#ended.push(module);
    if (this.#ended.length === this.#expected) this.#arm(FINISH_GRACE_MS, () => this.#notFinished());
    else this.#arm(STALL_MS, () => this.#stalled());
  }

  onTestRunEnd(): void {
    clearTimeout(this.#timer);
  }

  #arm(ms: number, then: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(then, ms);
    this.#timer.unref();
  }

  #notFinished(): void {
    const failed = this.#ended.filter((m) => !m.ok()).map((m) => m.moduleId);
    const escaped = this.#vitest?.state.getUnhandledErrors().length ?? 0;
    this.#say(
      `every test file ended (${this.#ended.length}) but Vitest did not finish within ${FINISH_GRACE_MS / 1000} s; ` +
        `${failed.length} file(s) failed${failed.length ? ` (${failed.join(', ')})` : ''}, ${escaped} error(s) outside tests`,
    );
    process.exit(failed.length > 0 || escaped > 0 ? 1 : 0);
  }

  #stalled(): void {
    this.#say(`no test file ended for ${STALL_MS / 1000} s; queued or running: ${[...this.#notEnded].join(', ') || '(none)'}`);
    process.exit(1);
  }

  #say(what: string): void {
    const out = process.stderr;
    out.write(`\nrun-watchdog: ${what} (Vitest pid ${process.pid}); the processes:\n`);
    try {
      const ps = execFileSync('ps', ['-eo', 'pid,ppid,stat,wchan:24,etime,args', '--forest'], { encoding: 'utf8', timeout: 10_000 });
      // Without the kernel's threads (children of pid 2), each line cut at 300 characters.
      const lines = ps.split('\n').filter((line) => !/^\s*(2|\d+\s+2)\s/.test(line));
      out.write(`${lines.map((line) => line.slice(0, 300)).join('\n')}\n`);
    } catch (err) {
      out.write(`(ps failed: ${(err as Error).message})\n`);
    }
  }
}
