import { describe, it, expect } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';
import { Lock } from '../../src/links/lock.js';
import { errorCode } from '../../src/core/errors.js';

/** A promise the test resolves by hand: an artificial await inside a holder. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('Lock', () => {
  it('never interleaves holders and serves waiters in arrival order', async () => {
    const lock = new Lock();
    const events: string[] = [];
    const user = (name: string) =>
      lock.run(async () => {
        events.push(`enter ${name}`);
        await tick();
        await tick();
        events.push(`exit ${name}`);
        return name;
      });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map(user));
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(events).toEqual(['enter a', 'exit a', 'enter b', 'exit b', 'enter c', 'exit c', 'enter d', 'exit d']);
  });

  it('starts the holder of a free lock in the caller\'s turn, and a waiter only after the release', async () => {
    // A poll's request must be on the wire before the poll loop goes on to process the previous
    // reply: the holder runs synchronously inside run(), not a microtask later.
    const lock = new Lock();
    const events: string[] = [];
    const hold = gate();
    const first = lock.run(async () => {
      events.push('first enter');
      await hold.promise;
    });
    const second = lock.run(async () => void events.push('second enter'));
    events.push('caller goes on');
    await tick();
    expect(events).toEqual(['first enter', 'caller goes on']);
    hold.open();
    await Promise.all([first, second]);
    expect(events).toEqual(['first enter', 'caller goes on', 'second enter']);
  });

  it('removes an aborted waiter from the queue without running it', async () => {
    const lock = new Lock();
    const hold = gate();
    const events: string[] = [];
    const first = lock.run(async () => {
      events.push('first');
      await hold.promise;
    });
    const ac = new AbortController();
    const aborted = lock.run(async () => void events.push('aborted ran'), ac.signal);
    const third = lock.run(async () => void events.push('third'));
    expect(lock.waiting).toBe(2);
    ac.abort();
    expect(lock.waiting).toBe(1);
    await expect(aborted).rejects.toMatchObject({ code: 'TG_ABORTED' });
    hold.open();
    await Promise.all([first, third]);
    expect(events).toEqual(['first', 'third']);
    expect(lock.waiting).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const lock = new Lock();
    const ac = new AbortController();
    ac.abort();
    let ran = false;
    const err = await lock.run(async () => void (ran = true), ac.signal).catch((e: unknown) => e);
    expect(errorCode(err)).toBe('TG_ABORTED');
    expect(ran).toBe(false);
  });

  it('releases the lock when the holder throws', async () => {
    const lock = new Lock();
    const failing = lock.run(async () => {
      await tick();
      throw new Error('boom');
    });
    const next = lock.run(async () => 'next ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next ran');
    await expect(lock.run(async () => 'free again')).resolves.toBe('free again');
  });

  it('makes work spawned inside a holder that runs after the release queue like anyone else', async () => {
    const lock = new Lock();
    const events: string[] = [];
    const later = gate();
    let spawned: Promise<void> | undefined;
    await lock.run(async () => {
      // Inherits the holder's async context, but starts only after the holder released.
      spawned = later.promise.then(() =>
        lock.run(async () => {
          events.push('spawned enter');
          await tick();
          events.push('spawned exit');
        }),
      );
    });
    const hold = gate();
    const second = lock.run(async () => {
      events.push('second enter');
      await hold.promise;
      events.push('second exit');
    });
    later.open();
    await tick();
    await tick();
    hold.open();
    await Promise.all([second, spawned]);
    expect(events).toEqual(['second enter', 'second exit', 'spawned enter', 'spawned exit']);
  });

  it('keeps two locks independent', async () => {
    const a = new Lock();
    const b = new Lock();
    const hold = gate();
    const events: string[] = [];
    const stuck = a.run(async () => {
      events.push('a enter');
      await hold.promise;
      events.push('a exit');
    });
    await b.run(async () => void events.push('b ran'));
    hold.open();
    await stuck;
    expect(events).toEqual(['a enter', 'b ran', 'a exit']);
  });
});
