/**
 * Conformance with a Modbus master nobody here wrote: Debian's `mbpoll` (libmodbus) reads the
 * simulator over RTU on a pty and over Modbus TCP and gets the expected registers, including the
 * HMT330 manual's own example (30.56 %RH = 0x41F47AE1, least significant word first).
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './modbus-harness.js';

const SIMULATOR = {
  units: [
    { unit: 1, profile: 'vaisala-hmt330', values: { humidity: 30.56, temperature: -12.5 } },
    { unit: 2, profile: 'env-sensor', values: { temperature: 21.5, humidity: 45.25, pressure: 1013.2 } },
  ],
};

/** Runs mbpoll once (-1) and resolves with what it printed; the simulator in this process keeps
 *  serving meanwhile, so this must never block the event loop. */
function mbpoll(args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile('mbpoll', [...args, '-1', '-o', '2'], { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, out: 'mbpoll is missing: apt-get install mbpoll' });
      resolve({ ok: !err, out: `${stdout}${stderr}` });
    });
  });
}

/** The "[ref]: value" lines of mbpoll's output. */
function values(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('mbpoll reads the Modbus simulator', () => {
  let h: SimHandle;
  let rtu: string[];
  let tcp: string[];

  beforeAll(async () => {
    h = await startSimulator(SIMULATOR, ['rtu', 'tcp']);
    rtu = ['-m', 'rtu', '-b', '19200', '-P', 'even'];
    tcp = ['-m', 'tcp', '-p', String(h.endpoint.tcp!.port)];
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('over RTU on a pty: the HMT330 floats (LS word first, 1-based) and their raw registers', async () => {
    const floats = await mbpoll([...rtu, '-a', '1', '-r', '1', '-c', '2', '-t', '4:float', h.endpoint.serialPath!]);
    expect(floats.ok).toBe(true);
    expect(values(floats.out)).toEqual({ '1': '30.56', '3': '-12.5' });

    const raw = await mbpoll([...rtu, '-a', '1', '-r', '1', '-c', '4', '-t', '4:hex', h.endpoint.serialPath!]);
    // 30.56 = 0x41F47AE1 and -12.5 = 0xC1480000, each least significant word first.
    expect(values(raw.out)).toEqual({ '1': '0x7AE1', '2': '0x41F4', '3': '0x0000', '4': '0xC148' });
  });

  it('over RTU: a second unit on the same bus, input registers with int16 scaling', async () => {
    const r = await mbpoll([...rtu, '-a', '2', '-r', '1', '-c', '3', '-t', '3', h.endpoint.serialPath!]);
    expect(values(r.out)).toEqual({ '1': '2150', '2': '4525', '3': '10132' });
  });

  it('over TCP: both units, by unit id', async () => {
    const floats = await mbpoll([...tcp, '-a', '1', '-r', '1', '-c', '2', '-t', '4:float', '127.0.0.1']);
    expect(values(floats.out)).toEqual({ '1': '30.56', '3': '-12.5' });
    const ints = await mbpoll([...tcp, '-a', '2', '-r', '1', '-c', '3', '-t', '3', '127.0.0.1']);
    expect(values(ints.out)).toEqual({ '1': '2150', '2': '4525', '3': '10132' });
  });

  it('gets a proper exception for a register the unit does not have, on both transports', async () => {
    const viaRtu = await mbpoll([...rtu, '-a', '2', '-r', '100', '-c', '1', '-t', '3', h.endpoint.serialPath!]);
    expect(viaRtu.ok).toBe(false);
    expect(viaRtu.out).toMatch(/Illegal data address/);
    const viaTcp = await mbpoll([...tcp, '-a', '1', '-r', '1', '-c', '1', '-t', '0', '127.0.0.1']);
    expect(viaTcp.out).toMatch(/Illegal function/);
  });
});
