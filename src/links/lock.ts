import { AsyncLocalStorage } from 'node:async_hooks';
import { TgError } from '../core/errors.js';

/**
 * The locks held by the current async call chain, each with the token of that holding, so that a
 * holder may re-enter its own lock. The token matters: work spawned inside a holder (a timer, a
 * detached promise) inherits this store and may run after the holder released the lock; it must
 * then queue like anyone else, so re-entry requires the token to still be the lock's owner.
 */
const held = new AsyncLocalStorage<ReadonlyMap<Lock, object>>();

/**
 * A FIFO mutex: one holder at a time, waiters served in arrival order. A waiter whose signal
 * aborts leaves the queue without ever taking the lock.
 *
 * It is re-entrant within one async call chain: acquisition holds a link's lock around a whole
 * device cycle, and a driver that takes the same lock for a transaction inside that cycle runs
 * at once instead of deadlocking.
 */
export class Lock {
  private locked = false;
  /** The token of the current holding; undefined between holders. */
  private owner: object | undefined;
  private waiters: { grant: () => void }[] = [];

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const mine = held.getStore();
    if (this.owner !== undefined && mine?.get(this) === this.owner) return fn();
    await this.acquire(signal);
    const token = {};
    this.owner = token;
    try {
      return await held.run(new Map([...(mine ?? []), [this, token]]), fn);
    } finally {
      this.owner = undefined;
      this.release();
    }
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new TgError('TG_ABORTED'));
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
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
