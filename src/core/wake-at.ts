/**
 * Wake-ups by deadline, shared: everything in the process that waits for the same instant shares
 * one Node timer, so the process wakes once for all of it.
 *
 * Why: each time the process wakes from an idle wait costs CPU of its own, whatever it then does
 * (0.15–0.23 ms on the reference box after 5–20 ms idle; README "Performance"). The devices' polls
 * and the journal's group commit aim at the same instants (multiples of their intervals on the
 * monotonic clock), but with a timer each they woke the process a millisecond or two apart: libuv
 * measures a timer from the loop's clock, cached in whole milliseconds when the loop last woke,
 * so two timers for one instant armed at different moments of a turn expire in different
 * milliseconds.
 *
 * Contract:
 * - `wakeAt(deadline, fn)`: `deadline` is in performance.now() ms and counts as the whole
 *   millisecond at or above it (a deadline computed as `now + (deadline − now)` lands on the same
 *   one). `fn` runs once that millisecond has come, at most 1 ms early (Node's own timers are as
 *   precise: their clock counts whole milliseconds), never synchronously, together with every other
 *   callback waiting for the same millisecond, in registration order. Returns a cancel function
 *   (idempotent; after `fn` ran it does nothing).
 * - One Node timer per distinct deadline, cleared when its last callback is cancelled; it keeps the
 *   process alive like any setTimeout. A timer that fires early (libuv's cached clock) or that
 *   could not hold the whole delay (MAX_TIMER_MS) is re-armed for the rest.
 * - A callback that throws does not keep the others from running; its error is rethrown on the
 *   next tick, as an uncaught exception of a plain timer would be.
 * - Per process, like Node's timer lists it sits on (the only state that is not per gateway: the
 *   point is one timer per instant for the whole process).
 */
import { timerMs } from './timer-ms.js';

interface Waiting {
  timer: NodeJS.Timeout;
  callbacks: (() => void)[];
}

const waiting = new Map<number, Waiting>();

/** How early a timer may fire and still count as on time (ms). */
const EARLY_MS = 1;

/** The whole millisecond a deadline counts as (see the contract). */
function instant(deadline: number): number {
  return Math.ceil(deadline - 1e-6);
}

export function wakeAt(deadline: number, fn: () => void): () => void {
  const at = instant(Math.min(deadline, Number.MAX_SAFE_INTEGER));
  let entry = waiting.get(at);
  if (entry === undefined) {
    const fire = () => {
      const left = at - performance.now();
      if (left > EARLY_MS) {
        entry!.timer = setTimeout(fire, timerMs(left));
        return;
      }
      waiting.delete(at);
      runAll(entry!.callbacks);
    };
    entry = { timer: setTimeout(fire, timerMs(at - performance.now())), callbacks: [] };
    waiting.set(at, entry);
  }
  const own = entry;
  own.callbacks.push(fn);
  return () => {
    const i = own.callbacks.indexOf(fn);
    if (i < 0 || waiting.get(at) !== own) return;
    own.callbacks.splice(i, 1);
    if (own.callbacks.length === 0) {
      clearTimeout(own.timer);
      waiting.delete(at);
    }
  };
}

function runAll(callbacks: readonly (() => void)[]): void {
  for (const fn of callbacks) {
    try {
      fn();
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/** Deadlines waited for now (for tests). */
export function pendingWakeUps(): number {
  return waiting.size;
}
