/** The simulated Prologix adapter serves one TCP client, as the real one does: a second client is
 *  closed at once and the first keeps being served. (Plain sockets: this tests the simulator.) */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../test/helpers/instrument-rig.js';
import { World, worldConfig } from '../../physics/world.js';
import { Prologix3458aSimulator, prologix3458aSimulator } from '../index.js';

let sim: Prologix3458aSimulator | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await sim?.stop();
});

describe('the prologix-3458a simulator', () => {
  it('refuses a second TCP client while one is connected, and keeps serving the first', async () => {
    const world = new World(worldConfig.parse({ standards: [{ id: 'z10', noise: 0 }] }));
    sim = prologix3458aSimulator.create(prologix3458aSimulator.config.parse({}), {
      world,
      clock: systemClock,
      log: silentLogger(),
      listen: { tcp: { host: '127.0.0.1', port: 0 } },
    }) as Prologix3458aSimulator;
    const port = (await sim.start()).tcp!.port;

    const first = connect({ host: '127.0.0.1', port });
    sockets.push(first);
    await once(first, 'connect');
    const intruder = connect({ host: '127.0.0.1', port });
    sockets.push(intruder);
    intruder.on('error', () => undefined);
    await once(intruder, 'close');
    expect(sim.refusedConnections).toBe(1);

    first.write('++ver\n');
    const [reply] = (await once(first, 'data')) as [Buffer];
    expect(reply.toString('latin1')).toMatch(/Prologix/i);
  });
});
