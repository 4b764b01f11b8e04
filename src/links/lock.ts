import { TgError } from '../core/errors.js';

/**
 * A FIFO mutex: one holder at a time, waiters served in arrival order. A waiter whose signal
 * aborts leaves the queue without ever taking the lock.
 *
 * Not re-entrant: a holder that needs the link again passes on the `io` it was given instead of
 * locking again (which would wait for itself). Re-entrancy would need AsyncLocalStorage, whose
 * promise hooks cost every promise in the process, on the hot path of every poll.
 */
export class Lock {
  private locked = false;
  private waiters: { grant: () => void }[] = [];

  /**
   * Runs `fn` holding the lock. A free lock is taken and `fn` started in the caller's turn, not a
   * microtask later: a poll's request goes out on the wire before the caller goes on to process
   * the previous reply (DeviceRunner's back-to-back loop), so the instrument answers meanwhile.
   */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const waiting = this.acquire(signal);
    return waiting === undefined ? this.hold(fn) : waiting.then(() => this.hold(fn));
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private async hold<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> | undefined {
    if (signal?.aborted) return Promise.reject(new TgError('TG_ABORTED'));
    if (!this.locked) {
      this.locked = true;
      return undefined; // free: no promise to wait for
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new TgError('TG_ABORTED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.locked = false;
  }
}
