import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { World, worldConfig } from '../../simulators/physics/world.js';
import { scpiDmmSimulator } from '../../simulators/scpi-dmm/index.js';
import type { Simulator } from '../../simulators/types.js';

const run = promisify(execFile);

/**
 * A VISA client nobody here wrote (Debian's python3-pyvisa-py, through Debian's own python3) talks
 * to the SCPI simulator as it would to a Keysight DMM on port 5025.
 */
const CLIENT = `
import sys, pyvisa
rm = pyvisa.ResourceManager('@py')
inst = rm.open_resource('TCPIP::127.0.0.1::%s::SOCKET' % sys.argv[1])
inst.read_termination = '\\n'
inst.write_termination = '\\n'
inst.timeout = 5000
print(inst.query('*IDN?'))
inst.write('*CLS')
inst.write('CONF:VOLT:DC 10')
inst.write('VOLT:DC:NPLC 10')
print(inst.query('READ?'))
inst.write('BOGUS:COMMAND')
print(inst.query('SYST:ERR?'))
print(inst.query('SYST:ERR?'))
inst.close()
`;

describe('SCPI simulator against pyvisa-py (a VISA client we did not write)', () => {
  let sim: Simulator;
  let port: number;
  beforeAll(async () => {
    const world = new World(worldConfig.parse({ standards: [{ id: 'z1' }] }));
    sim = scpiDmmSimulator.create(scpiDmmSimulator.config.parse({ standard: 'z1' }), {
      world,
      clock: systemClock,
      log: silentLogger(),
      listen: { tcp: { host: '127.0.0.1', port: 0 } },
    });
    port = (await sim.start()).tcp!.port;
  });
  afterAll(async () => sim.stop());

  it('answers *IDN?, READ? and SYST:ERR? as a 34465A does', async () => {
    const { stdout } = await run('/usr/bin/python3', ['-c', CLIENT, String(port)], { timeout: 30_000 });
    const [idn, reading, error, empty] = stdout.trim().split('\n');
    expect(idn).toBe('Keysight Technologies,34465A,MY59001234,A.03.01-03.15-03.01-00.52-03-02');
    expect(reading).toMatch(/^[+-]\d\.\d+E[+-]\d{2}$/);
    expect(Math.abs(Number(reading) - 10)).toBeLessThan(1e-3);
    expect(error).toMatch(/^-113,"Undefined header"/);
    expect(empty).toBe('+0,"No error"');
  });
});
