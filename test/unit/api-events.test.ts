import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Broadcaster } from '../../src/api/broadcast.js';
import type { EventStreamOptions } from '../../src/api/events.js';
import { buildApi, type ApiOptions } from '../../src/api/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway, eventRecord, readingRecord } from '../helpers/fake-view.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

describe('Broadcaster', () => {
  it('delivers in publish order and cuts off only the subscriber whose buffer overflows', async () => {
    const hub = new Broadcaster<number>({ maxBuffered: 3 });
    const fast = hub.subscribe();
    const slow = hub.subscribe();
    const got: number[] = [];
    for (let i = 1; i <= 10; i++) {
      hub.publish(i); // synchronous: never waits for a reader
      const n = await fast.next();
      if (!n.done) got.push(n.value);
    }
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The slow one took 3, then the 4th overflowed it: its buffer is dropped and it ends.
    expect(await slow.next()).toEqual({ done: true, overflowed: true });
    expect(hub.subscribers).toBe(1);
    fast.close();
    expect(await fast.next()).toEqual({ done: true, overflowed: false });
    expect(hub.subscribers).toBe(0);
  });

  it('wakes a waiting reader on publish and ends it on closeAll', async () => {
    const hub = new Broadcaster<string>({ maxBuffered: 10 });
    const sub = hub.subscribe();
    const pending = sub.next();
    hub.publish('a');
    expect(await pending).toEqual({ done: false, value: 'a' });
    const waiting = sub.next();
    hub.closeAll();
    expect(await waiting).toEqual({ done: true, overflowed: false });
  });
});

describe('GET /api/v1/events (server-sent events)', () => {
  let app: FastifyInstance | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await app?.close();
    app = undefined;
  });

  async function start(gw: FakeGateway, events: EventStreamOptions = {}, tokens: ApiOptions = {}) {
    app = buildApi(gw.view, silentLogger(), { events, ...tokens });
    return app.listen({ host: '127.0.0.1', port: 0 });
  }
  async function open(url: string, headers: Record<string, string> = {}) {
    const c = await openSse(url, headers);
    clients.push(c);
    return c;
  }

  it('streams readings, verdicts, alarms and transitions as they are committed, with the seq as id', async () => {
    const gw = new FakeGateway();
    const base = await start(gw);
    const c = await open(`${base}/api/v1/events`);
    expect(c.status).toBe(200);
    gw.commit([
      readingRecord(1),
      readingRecord(2, {}, { standard: 'z-1', verified: true, verdicts: [{ check: 'en', result: 'pass', value: 0.4 }] }),
      eventRecord(3, 'transport_alarm', 'alarm', 'shock 16 g on z'),
      eventRecord(4, 'standard_transition', 'info', 'measuring -> in_transit'),
      eventRecord(5, 'gateway_started', 'info', 'started'),
      eventRecord(6, 'seal', 'info', 'sealed chain head at seq 5', 'seal'),
    ]);
    await c.waitFor('six records', (e) => e.some((x) => x.id === '6'));
    expect(c.events.map((e) => `${e.id}:${e.event}`)).toEqual(['1:reading', '2:reading', '2:verdict', '3:alarm', '4:transition', '5:event', '6:seal']);
    const reading = JSON.parse(c.events[0]!.data);
    expect(reading).toMatchObject({ seq: 1, device: 'dmm-1', channel: 'dcv', value: 10.0000012, unit: 'V', time: '2026-01-01T00:00:01.000Z' });
    expect(JSON.parse(c.events[2]!.data)).toMatchObject({ standard: 'z-1', verified: true, verdicts: [{ check: 'en', result: 'pass' }] });
    expect(JSON.parse(c.events[3]!.data)).toMatchObject({ type: 'transport_alarm', severity: 'alarm', message: 'shock 16 g on z' });
  });

  it('filters by ?types= and sends heartbeat comments', async () => {
    const gw = new FakeGateway();
    const base = await start(gw, { heartbeatMs: 20 });
    const c = await open(`${base}/api/v1/events?types=alarm,transition`);
    gw.commit([readingRecord(1), eventRecord(2, 'transport_alarm', 'alarm', 'tilt 40°'), readingRecord(3), eventRecord(4, 'standard_transition', 'info', 'x')]);
    await c.waitFor('two events', (e) => e.length >= 2);
    await c.waitFor('a heartbeat', () => c.comments.some((x) => x.startsWith('heartbeat')));
    expect(c.events.map((e) => e.event)).toEqual(['alarm', 'transition']);
    const bad = await app!.inject('/api/v1/events?types=readings');
    expect(bad.statusCode).toBe(400);
  });

  it('resumes after Last-Event-ID from the journal, then continues live without gaps or duplicates', async () => {
    const gw = new FakeGateway();
    gw.commit(Array.from({ length: 10 }, (_, i) => readingRecord(i + 1)));
    const base = await start(gw);
    const c = await open(`${base}/api/v1/events`, { 'last-event-id': '6' });
    await c.waitFor('the replay', (e) => e.some((x) => x.id === '10'));
    gw.commit([readingRecord(11), readingRecord(12)]);
    await c.waitFor('live records', (e) => e.some((x) => x.id === '12'));
    expect(c.events.map((e) => Number(e.id))).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it('asks a client that is too far behind to reset instead of replaying', async () => {
    const gw = new FakeGateway();
    gw.commit(Array.from({ length: 20 }, (_, i) => readingRecord(i + 1)));
    const base = await start(gw, { maxReplay: 5 });
    const c = await open(`${base}/api/v1/events?lastEventId=2`);
    await c.waitFor('reset', (e) => e.some((x) => x.event === 'reset'));
    expect(JSON.parse(c.events[0]!.data)).toEqual({ lastEventId: 20 });
    gw.commit([readingRecord(21)]);
    await c.waitFor('live record', (e) => e.some((x) => x.id === '21'));
    expect(c.events.filter((e) => e.event === 'reading').map((e) => e.id)).toEqual(['21']);
  });

  it('never lets a client that stopped reading hold up the journal or the other clients', async () => {
    const gw = new FakeGateway();
    const base = await start(gw, { maxBuffered: 500 });
    const slow = await open(`${base}/api/v1/events`);
    const fast = await open(`${base}/api/v1/events`);
    slow.pause();
    // 6000 records of ~4 KiB: far more than the socket buffers of a client that does not read.
    const message = 'x'.repeat(4096);
    const total = 6000;
    for (let seq = 1; seq <= total; seq += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => eventRecord(seq + i, 'note', 'info', message));
      gw.commit(batch); // the commit listener returns at once, whatever the clients do
      await fast.waitFor(`record ${seq + 99}`, (e) => e.length >= seq + 99, 20_000);
    }
    expect(fast.events.map((e) => Number(e.id))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(fast.isEnded()).toBe(false);

    // The slow client was cut off: when it reads again it finds what was in flight, an
    // `overflow` notice and the end of the stream (it would reconnect with Last-Event-ID).
    slow.resume();
    await slow.ended;
    expect(slow.events.at(-1)?.event).toBe('overflow');
    expect(slow.events.filter((e) => e.event === 'event').length).toBeLessThan(total);
  }, 60_000);

  it('needs a read token when reads are protected', async () => {
    const gw = new FakeGateway();
    const base = await start(gw, {}, { tokens: [{ name: 'viewer', token: 'viewer-token-0123456789', rights: ['read'] }], requireTokenForReads: true });
    expect((await app!.inject('/api/v1/events')).statusCode).toBe(401);
    const c = await open(`${base}/api/v1/events`, { authorization: 'Bearer viewer-token-0123456789' });
    expect(c.status).toBe(200);
  });

  it('ends every stream when the server closes', async () => {
    const gw = new FakeGateway();
    const base = await start(gw);
    const c = await open(`${base}/api/v1/events`);
    await app!.close();
    app = undefined;
    await c.ended;
    expect(c.isEnded()).toBe(true);
    expect(gw.listeners.size).toBe(0); // unsubscribed from the journal too
  });
});

describe('GET /api/v1/timeline', () => {
  it('lists recent events newest first, without seals on request', async () => {
    const gw = new FakeGateway();
    gw.commit([eventRecord(1, 'standard_transition', 'info', 'a'), eventRecord(2, 'seal', 'info', 's', 'seal'), eventRecord(3, 'transport_alarm', 'alarm', 'b')]);
    const app = buildApi(gw.view, silentLogger());
    try {
      const all = (await app.inject('/api/v1/timeline')).json();
      expect(all.events.map((e: { seq: number }) => e.seq)).toEqual([3, 2, 1]);
      const noSeals = (await app.inject('/api/v1/timeline?seals=false&limit=10')).json();
      expect(noSeals.events.map((e: { type: string }) => e.type)).toEqual(['transport_alarm', 'standard_transition']);
      expect((await app.inject('/api/v1/timeline?limit=0')).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
