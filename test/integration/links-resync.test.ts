/**
 * Links resynchronise after hostile input (issue 12, defect 1): one malformed, truncated or
 * wrong-length Modbus TCP reply, or a timeout, must not cost the session; garbage before an RTU
 * reply must not hide the reply; an over-long line must not be delivered nor its tail taken for a
 * line. Modbus TCP runs against a real socket server here; the fuzz tests (links-fuzz.test.ts)
 * cover the same on in-memory streams at volume.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { errorCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLink } from '../../src/links/create.js';
import { modbusTcpLinkConfig } from '../../src/links/modbus/config.js';
import { RtuFramePort } from '../../src/links/modbus/rtu-port.js';
import type { RegisterLink } from '../../src/links/types.js';
import { MemoryLineLink } from '../helpers/memory-links.js';
import { goodRegisters, onRequests, replyFrame, type ReadRequest } from '../helpers/modbus-frames.js';
import { crc16 } from '../../src/links/modbus/crc.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Misbehaviour = 'garbage' | 'truncated' | 'length-too-long' | 'wrong-byte-count' | 'silent';

/**
 * A Modbus TCP device that answers the first request of its first connection with `bad`, and
 * every other request correctly.
 */
async function hostileServer(bad: Misbehaviour): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  let first = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onRequests('tcp', socket, (req: ReadRequest) => {
      if (!first) return void socket.write(replyFrame('tcp', req));
      first = false;
      const good = replyFrame('tcp', req);
      if (bad === 'garbage') socket.write(Buffer.from('hello, this is not a Modbus frame at all\r\n'));
      else if (bad === 'truncated') socket.write(good.subarray(0, good.length - 3));
      else if (bad === 'length-too-long') {
        const lying = Buffer.from(good);
        lying.writeUInt16BE(200, 4); // the header promises 200 bytes; 9 follow
        socket.write(lying);
      } else if (bad === 'wrong-byte-count') socket.write(replyFrame('tcp', req, goodRegisters(req.count - 1)));
      // 'silent': no answer at all
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

function tcpLink(port: number): RegisterLink {
  const cfg = modbusTcpLinkConfig.parse({ id: 'hostile', type: 'modbus-tcp', host: '127.0.0.1', port, reconnect: { initial: 5000, max: 5000 } });
  const link = createLink(cfg, { clock: systemClock, log: silentLogger() }) as RegisterLink;
  link.start();
  cleanups.push(() => link.close());
  return link;
}

const read = (link: RegisterLink, timeoutMs: number) => link.exclusive((io) => io.readRegisters(1, 3, 0, 2, timeoutMs));
const failure = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => errorCode(e));

describe('Modbus TCP resynchronises after one bad reply (real socket)', () => {
  it.each<[Misbehaviour, string]>([
    ['garbage', 'TG_PARSE_ERROR'],
    ['truncated', 'TG_LINK_TIMEOUT'],
    ['length-too-long', 'TG_LINK_TIMEOUT'],
    ['wrong-byte-count', 'TG_PARSE_ERROR'],
    ['silent', 'TG_LINK_TIMEOUT'],
  ])('after a %s reply the next request is answered (%s first)', async (bad, code) => {
    const server = await hostileServer(bad);
    // The reconnect backoff is 5 s: only the immediate resynchronising reconnect can make the
    // second request succeed within its timeout.
    const link = tcpLink(server.port);
    await link.waitConnected(5000);
    expect(await failure(read(link, 300))).toBe(code);
    const second = await read(link, 4000);
    expect(second.registers).toEqual(goodRegisters(2));
    // The session was dropped and opened again: a second connection, no backoff.
    expect(server.connections()).toBe(2);
    expect(link.status().state).toBe('connected');
    // and it stays good
    expect((await read(link, 4000)).registers).toEqual(goodRegisters(2));
  });
});

describe('Modbus TCP reply timeouts and aborts (real socket)', () => {
  /** Answers unit 1; unit 2 never answers. */
  async function unitOneServer(): Promise<number> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      onRequests('tcp', socket, (req: ReadRequest) => {
        if (req.unit === 1) socket.write(replyFrame('tcp', req));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
    return (server.address() as { port: number }).port;
  }
  const elapsedMs = async (p: Promise<unknown>) => {
    const t0 = performance.now();
    const code = await failure(p);
    return { code, ms: performance.now() - t0 };
  };

  it('a short timeout after a long one ends on its own deadline, not the earlier request\'s', async () => {
    const link = tcpLink(await unitOneServer());
    await link.waitConnected(5000);
    // The link's one reply timer is set for this request's 30 s deadline...
    expect((await link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 30_000))).registers).toEqual(goodRegisters(2));
    // ...and a silent unit's 200 ms must still end in about 200 ms (30 s would fail the test's own timeout).
    const silent = await elapsedMs(link.exclusive((io) => io.readRegisters(2, 3, 0, 2, 200)));
    expect(silent.code).toBe('TG_LINK_TIMEOUT');
    expect(silent.ms).toBeGreaterThanOrEqual(190);
    expect(silent.ms).toBeLessThan(10_000);
  }, 20_000);

  it('a request in flight fails with TG_ABORTED when its signal aborts, and the next one is answered', async () => {
    const link = tcpLink(await unitOneServer());
    await link.waitConnected(5000);
    const ac = new AbortController();
    const waiting = elapsedMs(link.exclusive((io) => io.readRegisters(2, 3, 0, 2, 30_000, ac.signal), ac.signal));
    setTimeout(() => ac.abort(), 100);
    const aborted = await waiting;
    expect(aborted.code).toBe('TG_ABORTED');
    expect(aborted.ms).toBeLessThan(10_000);
    // Aborted before it started: refused at once.
    expect(await failure(link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 1000, ac.signal)))).toBe('TG_ABORTED');
    await link.waitConnected(5000);
    expect((await link.exclusive((io) => io.readRegisters(1, 3, 0, 2, 4000))).registers).toEqual(goodRegisters(2));
  }, 20_000);
});

describe('Modbus RTU frames a reply behind noise by its CRC', () => {
  it('a torn frame start before the reply does not hide the reply', () => {
    const [ours, device] = duplexPair();
    const port = new RtuFramePort(ours);
    cleanups.push(() => port.close());
    const request = Buffer.from([1, 3, 0, 0, 0, 2, 0, 0]);
    request.writeUInt16LE(crc16(request.subarray(0, 6)), 6);
    port.write(request);
    const good = replyFrame('rtu', { tid: 0, unit: 1, fc: 3, address: 0, count: 2 });
    // Noise that starts like the reply (unit, function, byte count...) and breaks off.
    const noise = Buffer.from([1, 3, 4, 0x41]);
    return new Promise<void>((resolve, reject) => {
      port.once('data', (f: Buffer) => {
        try {
          expect(f).toEqual(good);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
      device.write(Buffer.concat([noise, good]));
    });
  });
});

describe('line links drop over-long lines whole', () => {
  it('a line beyond the limit is not delivered, and neither is its tail', async () => {
    const link = new MemoryLineLink();
    cleanups.push(() => link.close());
    const connected = link.ends.next();
    link.start();
    const device = await connected;
    await link.waitConnected(1000);
    // One over-long line with its terminator in the same chunk, then one arriving in pieces
    // (its first 100 kB without a terminator, then the rest), then a good line.
    device.write(`${'x'.repeat(200_000)}\n`);
    device.write('y'.repeat(100_000));
    device.write('y-tail\nOK\n');
    const line = await link.exclusive((io) => io.readLine(2000));
    expect(line.line).toBe('OK');
  });
});
