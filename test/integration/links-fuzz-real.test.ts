/**
 * A few fuzz cases over real transports (issue 12): the in-memory fuzz (test/unit/links-fuzz.test.ts)
 * runs the bulk; these check that the same holds through the kernel: Modbus TCP through a real
 * socket, Modbus RTU and a line link through a socat pty, each link made by createLink from its
 * configuration as the gateway makes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { errorCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { serialLinkConfig } from '../../src/links/config.js';
import { createLink } from '../../src/links/create.js';
import { modbusRtuLinkConfig, modbusTcpLinkConfig } from '../../src/links/modbus/config.js';
import { openSerialPort } from '../../src/links/serial.js';
import type { LineLink, RegisterLink } from '../../src/links/types.js';
import { PtyPair } from '../../simulators/transport/pty-pair.js';
import { chunked, GOOD_LINE, hostileUnit, lineGarbage, mutation } from '../helpers/fuzz.js';
import { DeviceEnds } from '../helpers/memory-links.js';
import { goodRegisters } from '../helpers/modbus-frames.js';

const RECONNECT = { initial: 20, max: 200 };
const ALLOWED_BAD = ['resolved', 'TG_PARSE_ERROR', 'TG_LINK_TIMEOUT', 'TG_MODBUS_EXCEPTION', 'TG_LINK_CLOSED', 'TG_LINK_DOWN'];
const BAD_TIMEOUT_MS = 30;
const GOOD_TIMEOUT_MS = 10_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-real-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function modbusRounds(link: RegisterLink, script: ReturnType<typeof hostileUnit>, numRuns: number): Promise<void> {
  const read = (timeoutMs: number) => link.exclusive((io) => io.readRegisters(1, 4, 0, 2, timeoutMs));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ mutation, cuts: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 2 }), async (steps) => {
      for (const step of steps) {
        script.push(step);
        const outcome = await read(BAD_TIMEOUT_MS).then(
          () => 'resolved',
          (e: unknown) => errorCode(e),
        );
        expect(ALLOWED_BAD).toContain(outcome);
        script.length = 0;
      }
      expect((await read(GOOD_TIMEOUT_MS)).registers).toEqual(goodRegisters(2));
    }),
    { numRuns },
  );
}

describe('Modbus TCP fuzz through a real socket', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let link: RegisterLink;
  let script: ReturnType<typeof hostileUnit>;

  beforeAll(async () => {
    const ends = new DeviceEnds();
    script = hostileUnit('tcp', ends);
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.setNoDelay(true);
      ends.push(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    link = createLink(modbusTcpLinkConfig.parse({ id: 'fuzz-tcp', type: 'modbus-tcp', host: '127.0.0.1', port, reconnect: RECONNECT }), {
      clock: systemClock,
      log: silentLogger(),
    }) as RegisterLink;
    link.start();
    await link.waitConnected(5000);
  });
  afterAll(async () => {
    await link?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('after bad replies the next good reply is read', () => modbusRounds(link, script, 150), 120_000);
});

describe('Modbus RTU fuzz through a pty', () => {
  let pty: PtyPair;
  let link: RegisterLink;
  let script: ReturnType<typeof hostileUnit>;
  let device: Awaited<ReturnType<typeof openSerialPort>>;

  beforeAll(async () => {
    pty = new PtyPair(join(dir, 'rtu'));
    await pty.start();
    const ends = new DeviceEnds();
    script = hostileUnit('rtu', ends);
    device = await openSerialPort({ path: pty.devicePath, baudRate: 19200, dataBits: 8, parity: 'even', stopBits: 1 });
    ends.push(device);
    link = createLink(modbusRtuLinkConfig.parse({ id: 'fuzz-rtu', type: 'modbus-rtu', path: pty.path, reconnect: RECONNECT }), {
      clock: systemClock,
      log: silentLogger(),
    }) as RegisterLink;
    link.start();
    await link.waitConnected(5000);
  });
  afterAll(async () => {
    await link?.close();
    device?.destroy();
    await pty?.stop();
  });

  it('after bad replies the next good reply is read', () => modbusRounds(link, script, 60), 120_000);
});

describe('line link fuzz through a pty', () => {
  let pty: PtyPair;
  let link: LineLink;
  let device: Awaited<ReturnType<typeof openSerialPort>>;
  let replies = 0;
  let syncs = 0;

  beforeAll(async () => {
    pty = new PtyPair(join(dir, 'line'));
    await pty.start();
    device = await openSerialPort({ path: pty.devicePath, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    let buffer = '';
    device.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const cmd = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        device.write(`${GOOD_LINE} #${cmd}\n`, 'latin1');
        replies++;
      }
    });
    link = createLink(serialLinkConfig.parse({ id: 'fuzz-line', type: 'serial', path: pty.path, reconnect: RECONNECT }), {
      clock: systemClock,
      log: silentLogger(),
    }) as LineLink;
    link.start();
    await link.waitConnected(5000);
  });
  afterAll(async () => {
    await link?.close();
    device?.destroy();
    await pty?.stop();
  });

  it('garbage before a query never hides its reply', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineGarbage, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 4 }), async (garbage, cuts) => {
        for (const g of garbage) for (const c of chunked(g, cuts)) device.write(c);
        // Through the kernel the garbage arrives when it arrives: a marker line after it says when
        // the link has read all of it (the lines before the marker are the garbage's).
        const marker = `SYNC${++syncs}`;
        device.write(`\n${marker}\n`);
        await link.exclusive(async (io) => {
          while ((await io.readLine(GOOD_TIMEOUT_MS)).line !== marker);
        });
        const n = replies;
        const reply = await link.exclusive((io) => io.query(`Q${n}`, GOOD_TIMEOUT_MS));
        expect(reply.line).toBe(`${GOOD_LINE} #Q${n}`);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
