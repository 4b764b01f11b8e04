/**
 * A small in-process broadcaster: one publisher, many subscribers, each with its own bounded
 * buffer. It exists so that a slow reader (a browser tab on a bad network, a stalled TCP window)
 * can never hold up the publisher, which runs inside the journal's commit listener.
 *
 * Contract:
 * - `publish(item)` is synchronous and O(subscribers): it appends to each subscriber's buffer and
 *   wakes a waiting reader. It never awaits, never throws, and never blocks on a subscriber.
 * - A subscriber whose buffer already holds `maxBuffered` items when another arrives is
 *   *overflowed*: its buffer is dropped and its `next()` resolves `{ done: true, overflowed: true }`
 *   (the SSE route then closes the stream; the browser reconnects with Last-Event-ID and catches up
 *   from the journal, so nothing is lost, only late). Other subscribers are unaffected.
 * - `next()` yields buffered items in publish order; with an empty buffer it waits for the next
 *   publish or for `close()`. Only one `next()` may be pending per subscriber.
 * - `close()` on a subscriber removes it; `closeAll()` ends every subscriber (server shutdown).
 */

export type Next<T> = { done: false; value: T } | { done: true; overflowed: boolean };

export interface Subscriber<T> {
  /** The next item, or done when closed or overflowed. */
  next(): Promise<Next<T>>;
  /** Items waiting in this subscriber's buffer. */
  readonly buffered: number;
  close(): void;
}

export class Broadcaster<T> {
  readonly #subs = new Set<Sub<T>>();
  readonly #maxBuffered: number;

  constructor(options: { maxBuffered: number }) {
    if (!(options.maxBuffered >= 1)) throw new RangeError(`maxBuffered must be ≥ 1, got ${options.maxBuffered}`);
    this.#maxBuffered = options.maxBuffered;
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  subscribe(): Subscriber<T> {
    const sub = new Sub<T>(this.#maxBuffered, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  publish(item: T): void {
    for (const sub of this.#subs) sub.push(item);
  }

  closeAll(): void {
    for (const sub of [...this.#subs]) sub.close();
  }
}

class Sub<T> implements Subscriber<T> {
  #buffer: T[] = [];
  #head = 0;
  #ended: { overflowed: boolean } | undefined;
  #waiter: ((n: Next<T>) => void) | undefined;

  constructor(
    private readonly max: number,
    private readonly detach: () => void,
  ) {}

  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  push(item: T): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const wake = this.#waiter;
      this.#waiter = undefined;
      wake({ done: false, value: item });
      return;
    }
    if (this.buffered >= this.max) {
      this.#end(true);
      return;
    }
    this.#buffer.push(item);
  }

  next(): Promise<Next<T>> {
    if (this.buffered > 0) {
      const value = this.#buffer[this.#head++]!;
      // Compact now and then so a long-lived subscriber does not keep a growing array.
      if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#ended) return Promise.resolve({ done: true, overflowed: this.#ended.overflowed });
    if (this.#waiter) return Promise.reject(new Error('only one next() may be pending per subscriber'));
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  close(): void {
    this.#end(false);
  }

  #end(overflowed: boolean): void {
    if (this.#ended) return;
    this.#ended = { overflowed };
    this.#buffer = [];
    this.#head = 0;
    this.detach();
    if (this.#waiter) {
      const wake = this.#waiter;
      this.#waiter = undefined;
      wake({ done: true, overflowed });
    }
  }
}
