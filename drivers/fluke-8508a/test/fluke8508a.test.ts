import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lineRig, parseConfig, type LineRig } from '../../../test/helpers/instrument-rig.js';
import { fluke8508aSimulator } from '../../../simulators/fluke-8508a/index.js';
import { fluke8508aConfig, fluke8508aDriver, parseEsr, setupCommands } from '../index.js';

const signal = new AbortController().signal;
const rigs: LineRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});
async function rig(driverOptions: object = {}, simulatorOptions: object = {}, gpibAddress?: number): Promise<LineRig> {
  const r = await lineRig({ simulator: fluke8508aSimulator, simulatorOptions: { standard: 'z1', ...simulatorOptions }, driver: fluke8508aDriver, driverOptions, ...(gpibAddress !== undefined ? { gpibAddress } : {}) });
  rigs.push(r);
  return r;
}

describe('fluke-8508a definition', () => {
  it('reads the event status register as error bits', () => {
    expect(parseEsr('0')).toEqual({ code: 0, message: '' });
    expect(parseEsr('+32')).toEqual({ code: 32, message: 'command error' });
    expect(parseEsr('49')).toEqual({ code: 48, message: 'command error, execution error' }); // bit 0 (OPC) is no error
    expect(parseEsr('1.5')).toBeNull();
    expect(parseEsr('300')).toBeNull();
  });

  it('sets up DCV on the 20 V range at 8 digits with the trigger held, ohms four-wire, current without wiring', () => {
    expect(setupCommands(fluke8508aConfig.parse({}))).toEqual(['*CLS', 'DCV 20,FILT_OFF,RESL8,FAST_OFF,TWO_WR', 'INPUT FRONT', 'TRG_SRCE EXT']);
    expect(setupCommands(fluke8508aConfig.parse({ function: 'TRUE_OHMS', range: 20000 }))[1]).toBe('TRUE_OHMS 20000,FILT_OFF,RESL8,FAST_OFF,FOUR_WR');
    expect(setupCommands(fluke8508aConfig.parse({ function: 'DCI', range: 'AUTO', filter: true }))[1]).toBe('DCI AUTO,FILT_ON,RESL8,FAST_OFF');
  });

  it.each(['drivers/fluke-8508a', 'simulators/fluke-8508a'])('%s/sample.yaml is a valid configuration', (folder) => {
    const text = `gateway: { id: sample, lab: LAB }\n${readFileSync(`${folder}/sample.yaml`, 'utf8')}`;
    const result = parseConfig(text, { drivers: [fluke8508aDriver], simulators: [fluke8508aSimulator] }, {});
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

describe('fluke-8508a driver against its simulator', () => {
  it('reads the standard with X? after the setup, time-stamped within the query', async () => {
    const { driver, errors } = await rig({ uncertainty: { relative: 1e-6 } });
    expect(await driver.connect(signal)).toMatchObject({ manufacturer: 'FLUKE', model: '8508A' });
    const before = Date.now();
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ channel: 'dcv', quantity: 'voltage', unit: 'V' });
    expect(Math.abs(reading!.value! - 10)).toBeLessThan(1e-3);
    expect(reading!.u).toBeCloseTo(1e-5, 9);
    expect(reading!.time).toBeGreaterThanOrEqual(before);
    expect(errors).toEqual([]);
  });

  it('reads the oven thermistor in four-wire ohms on GPIB behind the prologix link', async () => {
    const { driver, errors } = await rig({ function: 'OHMS', range: 200000, channel: 'thermistor' }, { gpibAddress: 9 }, 9);
    await driver.connect(signal);
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ channel: 'thermistor', quantity: 'resistance', unit: 'Ω' });
    expect(reading!.value).toBeGreaterThan(38_000);
    expect(reading!.value).toBeLessThan(40_000);
    expect(errors).toEqual([]);
  });

  it('a range too small for the input gives an overload: flagged overrange, no value', async () => {
    const { driver } = await rig({ range: 2 });
    await driver.connect(signal);
    expect((await driver.read!(signal))[0]).toMatchObject({ value: null, flags: ['overrange'], extra: { overload: '+' } });
  });

  it('an error in the event status register is reported as F8508A_ESR_<bits>, the reading kept', async () => {
    const { sim, driver, errors } = await rig();
    await driver.connect(signal);
    sim.inject({ type: 'error_queue', entries: [{ code: -113, message: 'Undefined header' }] });
    const [reading] = await driver.read!(signal);
    expect(reading!.value).not.toBeNull();
    expect(errors).toEqual([{ code: 'F8508A_ESR_32', detail: 'command error' }]);
  });

  it('a setup command the meter refuses is reported at connect', async () => {
    const { driver, errors } = await rig({ setup: ['*CLS', 'DCV 20', 'NPLC 10'] });
    await driver.connect(signal);
    expect(errors.map((e) => e.code)).toEqual(['F8508A_ESR_32']);
  });
});
