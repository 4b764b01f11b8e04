import { describe, it, expect, afterEach } from 'vitest';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { createLink } from '../../src/links/create.js';
import { serialLinkConfig, tcpLinkConfig } from '../../src/links/config.js';
import type { LineLink, Link } from '../../src/links/types.js';
import { systemClock } from '../../src/core/clock.js';
import { createLogger, silentLogger, type Logger } from '../../src/core/logger.js';
import { errorCode } from '../../src/core/errors.js';
import { PtyPair } from '../../simulators/transport/pty-pair.js';
import { TestServer } from '../helpers/tcp-line-server.js';

// Real parts: a tiny programmable line server on 127.0.0.1 port 0 (TestServer), socat pty pairs.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(port?: number): Promise<TestServer> {
  const s = await new TestServer().listen(port);
  cleanups.push(() => s.stop());
  return s;
}

function asLine(link: Link): LineLink {
  if (link.kind !== 'line') throw new Error(`expected a line link, got ${link.kind}`);
  cleanups.push(() => link.close());
  return link;
}

function tcpLink(port: number, extra: Record<string, unknown> = {}, log: Logger = silentLogger()): LineLink {
  const cfg = tcpLinkConfig.parse({ id: `tcp-${port}`, type: 'tcp', host: '127.0.0.1', port, reconnect: { initial: 20, max: 200 }, ...extra });
  return asLine(createLink(cfg, { clock: systemClock, log }));
}

/** A port nobody listens on (yet). */
async function freePort(): Promise<number> {
  const s = await new TestServer().listen(0);
  await s.stop();
  return s.port;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 1000) throw new Error(`gave up waiting for ${what}`);
    await delay(10);
  }
}

const LONG = 60_000; // longer than the test timeout: a read that waits for it fails the test

function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => errorCode(e),
  );
}

// ---- TCP ---------------------------------------------------------------------------------------

describe('TCP line link', () => {
  it('connects and answers a query with send and receive times', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    expect(link.status().state).toBe('down');
    link.start();
    await link.waitConnected(5000);
    const r = await link.exclusive((io) => io.query('ECHO hello world', 2000));
    expect(r.line).toBe('hello world');
    expect(r.receivedAt).toBeGreaterThanOrEqual(r.sentAt);
    expect(link.generation).toBe(1);
    expect(link.status()).toMatchObject({ state: 'connected', address: `tcp://127.0.0.1:${srv.port}`, reconnects: 0 });
  });

  it.each([
    ['LF', 'one\ntwo\r\nthree\n', ['one', 'two', 'three']],
    ['CR', 'one\rtwo\r\nthree\r', ['one', 'two', 'three']],
    ['CRLF', 'one\r\nx\ny\r\nthree\r\n', ['one', 'x\ny', 'three']],
  ] as const)('splits lines on the %s read terminator and strips a trailing CR', async (readTerminator, raw, lines) => {
    const srv = await server();
    const link = tcpLink(srv.port, { readTerminator });
    link.start();
    await link.waitConnected(5000);
    const got = await link.exclusive(async (io) => {
      const first = await io.query(`RAW ${JSON.stringify(raw)}`, 2000);
      const rest = [await io.readLine(2000), await io.readLine(2000)];
      return [first.line, ...rest.map((l) => l.line)];
    });
    expect(got).toEqual(lines);
  });

  it('joins a reply split across TCP chunks, including a CRLF torn between CR and LF', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    const r = await link.exclusive(async (io) => [await io.query('SPLIT', 2000), await io.query('ECHO next', 2000)]);
    expect(r.map((x) => x.line)).toEqual(['12.345', 'next']);
  });

  it('keeps the second of two replies that arrive in one chunk for the next read', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    const got = await link.exclusive(async (io) => [(await io.query('TWO', 2000)).line, (await io.readLine(2000)).line]);
    expect(got).toEqual(['A', 'B']);
  });

  it('rejects a read with TG_LINK_TIMEOUT when nothing comes, and stays usable', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    expect(await failure(link.exclusive((io) => io.query('SILENT', 50)))).toBe('TG_LINK_TIMEOUT');
    expect(link.status().state).toBe('connected');
    expect((await link.exclusive((io) => io.query('ECHO still here', 2000))).line).toBe('still here');
  });

  it('fails a pending read with TG_LINK_CLOSED at once when the server drops, and reconnects with backoff', async () => {
    const srv = await server();
    const port = srv.port;
    const link = tcpLink(port);
    link.start();
    await link.waitConnected(5000);
    // The reply never comes: the server is switched off. The read must not wait for its timeout.
    const pending = link.exclusive(async (io) => {
      await io.write('SILENT');
      return io.readLine(LONG);
    });
    await until(() => srv.sockets.size === 1, 'the server to see the client');
    await srv.stop();
    expect(await failure(pending)).toBe('TG_LINK_CLOSED');
    expect(link.status().state).not.toBe('connected');
    expect(link.status().lastError).toBeTruthy();
    expect(await failure(link.exclusive((io) => io.query('ECHO x', 1000)))).toBe('TG_LINK_DOWN');
    await until(() => link.status().reconnects >= 2, 'reconnect attempts');

    const back = await server(port);
    await link.waitConnected(5000);
    expect(link.generation).toBe(2);
    expect(back.connections).toBe(1);
    expect(link.status()).toMatchObject({ state: 'connected' });
    expect(link.status().lastError).toBeUndefined();
    expect((await link.exclusive((io) => io.query('ECHO again', 2000))).line).toBe('again');
  });

  it('never hands a torn line to a reader when the peer closes mid-line', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    expect(await failure(link.exclusive((io) => io.query('PARTIAL', LONG)))).toBe('TG_LINK_CLOSED');
    await until(() => link.generation === 2 && link.status().state === 'connected', 'the reconnect');
    expect((await link.exclusive((io) => io.query('ECHO whole', 2000))).line).toBe('whole');
  });

  it('reconnects after the server hangs up on it, without a new link', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    expect(await failure(link.exclusive((io) => io.query('HANGUP', LONG)))).toBe('TG_LINK_CLOSED');
    await until(() => link.generation === 2 && link.status().state === 'connected', 'the reconnect');
    expect(srv.connections).toBe(2);
    expect((await link.exclusive((io) => io.query('ECHO back', 2000))).line).toBe('back');
  });

  it('keeps trying when the server is absent at start and connects when it appears', async () => {
    const port = await freePort();
    const link = tcpLink(port);
    link.start();
    await until(() => link.status().reconnects >= 2, 'reconnect attempts');
    expect(link.status().state).not.toBe('connected');
    expect(link.status().lastError).toMatch(/ECONNREFUSED/);
    expect(await failure(link.waitConnected(1))).toBe('TG_LINK_DOWN');
    const srv = await server(port);
    await link.waitConnected(5000);
    expect(link.generation).toBe(1);
    expect((await link.exclusive((io) => io.query('ECHO late', 2000))).line).toBe('late');
    expect(srv.connections).toBe(1);
  });

  it('logs an outage once at warn, its retries at debug, and a new outage at warn again', async () => {
    const entries: { level: number; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l) entries.push(JSON.parse(l) as { level: number; msg: string });
        cb();
      },
    });
    const port = await freePort();
    const link = tcpLink(port, { reconnect: { initial: 5, max: 10 } }, createLogger({ level: 'debug', destination }));
    link.start();
    await until(() => link.status().reconnects >= 5, 'reconnect attempts');
    const down = (level: number) => entries.filter((e) => e.msg === 'link down' && e.level === level).length;
    expect(down(40)).toBe(1);
    expect(down(20)).toBeGreaterThanOrEqual(4);
    const srv = await server(port);
    await link.waitConnected(5000);
    await until(() => entries.some((e) => e.msg === 'link connected' && e.level === 30), 'the connect log');
    await srv.stop();
    await until(() => down(40) === 2, 'the second outage warning');
    expect(down(40)).toBe(2);
  });

  it('close() stops reconnecting, resolves promptly and fails what was waiting', async () => {
    const port = await freePort();
    // After the first failure the link sleeps 30–60 s: close() must not wait for that.
    const link = tcpLink(port, { reconnect: { initial: LONG, max: LONG } });
    link.start();
    const waiting = failure(link.waitConnected(LONG));
    await until(() => link.status().lastError !== undefined, 'the first failed attempt');
    await link.close();
    expect(await waiting).toBe('TG_LINK_DOWN');
    expect(link.status().state).toBe('closed');
    expect(await failure(link.exclusive((io) => io.write('ECHO x')))).toBe('TG_LINK_DOWN');
    const srv = await server(port);
    link.start(); // a closed link stays closed
    await delay(200);
    expect(srv.connections).toBe(0);
  });

  it('close() while connected drops the socket and stops for good', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    let sent = false;
    const pending = failure(
      link.exclusive(async (io) => {
        await io.write('SILENT');
        sent = true;
        return io.readLine(LONG);
      }),
    );
    await until(() => sent, 'the request to leave');
    await link.close();
    expect(await pending).toBe('TG_LINK_CLOSED');
    await until(() => srv.sockets.size === 0, 'the server to see the close');
    await delay(100);
    expect(srv.connections).toBe(1);
    expect(link.status().state).toBe('closed');
  });
});

// ---- serial over a pty ---------------------------------------------------------------------------

/** The instrument's end of a pty pair: answers "ECHO x" with "x" + CRLF. */
async function simEnd(pty: PtyPair): Promise<SerialPort> {
  const port = new SerialPort({ path: pty.devicePath, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  let buffer = '';
  port.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    const parts = buffer.split(/\r\n|\r|\n/);
    buffer = parts.pop() ?? '';
    for (const line of parts) if (line.startsWith('ECHO ')) port.write(`${line.slice(5)}\r\n`);
  });
  return port;
}

async function closeSim(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

describe('serial line link over a pty', () => {
  it('answers a query, survives the pty vanishing and reappearing at the same path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-links-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pty = new PtyPair(join(dir, 'ttyTG0'));
    cleanups.push(() => pty.stop());
    await pty.start();
    let sim = await simEnd(pty);
    cleanups.push(() => closeSim(sim));

    const cfg = serialLinkConfig.parse({ id: 'ser', type: 'serial', path: pty.path, writeTerminator: 'CR', reconnect: { initial: 20, max: 200 } });
    const link = asLine(createLink(cfg, { clock: systemClock, log: silentLogger() }));
    link.start();
    await link.waitConnected(5000);
    expect((await link.exclusive((io) => io.query('ECHO 1.2345', 2000))).line).toBe('1.2345');
    expect(link.generation).toBe(1);

    // Unplug: socat dies under both open ends (the tty hangs up), the path disappears, and the
    // pending read fails at once instead of waiting for its timeout.
    const pending = failure(link.exclusive((io) => io.readLine(LONG)));
    await pty.stop();
    await closeSim(sim);
    expect(existsSync(pty.path)).toBe(false);
    expect(await pending).toBe('TG_LINK_CLOSED');
    await until(() => link.status().state !== 'connected', 'the link to notice');
    await until(() => link.status().reconnects >= 2, 'reopen attempts');
    expect(link.status().lastError).toMatch(/no such file|ENOENT|cannot open/i);

    // Plug back in at the same path: the same link reopens it by itself.
    await pty.start();
    sim = await simEnd(pty);
    await link.waitConnected(5000);
    expect(link.generation).toBe(2);
    expect((await link.exclusive((io) => io.query('ECHO 6.789', 2000))).line).toBe('6.789');

    // close() releases the port: it is opened with an exclusive lock, so a leaked descriptor
    // would make this open fail with "Cannot lock port".
    await link.close();
    const again = new SerialPort({ path: pty.path, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => again.open((err) => (err ? reject(err) : resolve())));
    expect(again.isOpen).toBe(true);
    await closeSim(again);
  });
});

// ---- locks -------------------------------------------------------------------------------------

describe('link locks', () => {
  it('never interleaves two exclusive() users of one link, and serves them in order', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    const events: string[] = [];
    const user = (name: string) =>
      link.exclusive(async (io) => {
        events.push(`enter ${name}`);
        const a = await io.query(`ECHO ${name}1`, 2000);
        await delay(5);
        const b = await io.query(`ECHO ${name}2`, 2000);
        events.push(`exit ${name}`);
        return [a.line, b.line];
      });
    const results = await Promise.all([user('a'), user('b'), user('c')]);
    expect(results).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1', 'c2']]);
    expect(events).toEqual(['enter a', 'exit a', 'enter b', 'exit b', 'enter c', 'exit c']);
  });

  it('drops an aborted waiter from the queue and releases the lock when a holder throws', async () => {
    const srv = await server();
    const link = tcpLink(srv.port);
    link.start();
    await link.waitConnected(5000);
    const events: string[] = [];
    const holder = link.exclusive(async (io) => {
      events.push('holder');
      await io.query('SLOW', LONG);
      throw new Error('driver bug');
    });
    const ac = new AbortController();
    const aborted = failure(link.exclusive(async () => void events.push('aborted ran'), ac.signal));
    const next = link.exclusive(async (io) => (await io.query('ECHO next', 2000)).line);
    ac.abort();
    expect(await aborted).toBe('TG_ABORTED');
    await until(() => srv.slowPending === 1, 'the holder to be stuck');
    srv.releaseSlow();
    await expect(holder).rejects.toThrow('driver bug');
    await expect(next).resolves.toBe('next');
    expect(events).toEqual(['holder']);
  });

  it('never makes one link wait for another link whose holder is stuck', async () => {
    const srv = await server();
    const slowLink = tcpLink(srv.port);
    const fastLink = asLine(
      createLink(tcpLinkConfig.parse({ id: 'fast', type: 'tcp', host: '127.0.0.1', port: srv.port }), { clock: systemClock, log: silentLogger() }),
    );
    slowLink.start();
    fastLink.start();
    await Promise.all([slowLink.waitConnected(5000), fastLink.waitConnected(5000)]);
    const events: string[] = [];
    const slow = slowLink.exclusive(async (io) => {
      events.push('slow sent');
      const r = await io.query('SLOW', LONG);
      events.push('slow done');
      return r.line;
    });
    await until(() => srv.slowPending === 1, 'the slow holder to be stuck');
    const fast = await fastLink.exclusive(async (io) => (await io.query('ECHO fast', 2000)).line);
    events.push('fast done');
    srv.releaseSlow();
    expect(await slow).toBe('SLOW-DONE');
    expect(fast).toBe('fast');
    expect(events).toEqual(['slow sent', 'fast done', 'slow done']);
  });
});
