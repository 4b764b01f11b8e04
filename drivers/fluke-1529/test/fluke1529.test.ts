import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lineRig, parseConfig, type LineRig } from '../../../test/helpers/instrument-rig.js';
import { fluke1529Simulator } from '../../../simulators/fluke-1529/index.js';
import { fluke1529Config, fluke1529Driver, parseFetch } from '../index.js';

const signal = new AbortController().signal;
const rigs: LineRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});
async function rig(driverOptions: object, simulatorOptions: object): Promise<LineRig> {
  const r = await lineRig({ simulator: fluke1529Simulator, simulatorOptions, driver: fluke1529Driver, driverOptions });
  rigs.push(r);
  return r;
}

describe('fluke-1529 definition', () => {
  it.each([
    ['23.45678', { kind: 'number', value: 23.45678 }],
    [' 273.1600 K\r', { kind: 'number', value: 273.16, stated: { unit: 'K', quantity: 'temperature' } }],
    ['-38.8344,C', { kind: 'number', value: -38.8344, stated: { unit: '°C', quantity: 'temperature' } }],
    ['9.9E+37', { kind: 'overrange', value: 9.9e37 }],
  ])('parses %j', (reply, parsed) => {
    expect(parseFetch(reply)).toEqual(parsed);
  });

  it.each(['', '23.4#\xff78', '23.4 Q', 'OPEN'])('refuses %j', (reply) => {
    expect(parseFetch(reply).kind).toBe('invalid');
  });

  it('refuses an input listed twice', () => {
    expect(fluke1529Config.safeParse({ inputs: [{ input: 1 }, { input: 1, channel: 'again' }] }).success).toBe(false);
  });

  it.each(['drivers/fluke-1529', 'simulators/fluke-1529'])('%s/sample.yaml is a valid configuration', (folder) => {
    const text = `gateway: { id: sample, lab: LAB }\n${readFileSync(`${folder}/sample.yaml`, 'utf8')}`;
    const result = parseConfig(text, { drivers: [fluke1529Driver], simulators: [fluke1529Simulator] }, {});
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

describe('fluke-1529 driver against its simulator', () => {
  it('reads every configured input into one acquisition; an input without a probe is flagged overrange', async () => {
    const probes = [{ input: 1, noise: 0 }, { input: 3, temperature: 0.01, noise: 0 }];
    const { driver, errors } = await rig({ inputs: [{ input: 1, channel: 'air' }, { input: 3, channel: 'cell' }, { input: 4 }] }, { probes });
    expect(await driver.connect(signal)).toMatchObject({ manufacturer: 'HART', model: '1529' });
    const readings = await driver.read!(signal);
    expect(readings.map((r) => [r.channel, r.quantity, r.unit])).toEqual([
      ['air', 'temperature', '°C'],
      ['cell', 'temperature', '°C'],
      ['ch4', 'temperature', '°C'],
    ]);
    expect(readings[0]!.value).toBeCloseTo(23, 3);
    expect(readings[1]!.value).toBeCloseTo(0.01, 4);
    expect(readings[2]).toMatchObject({ value: null, flags: ['overrange'] });
    expect(errors).toEqual([]);
  });

  it('reads in kelvin after UNIT:TEMP K', async () => {
    const { driver } = await rig({ temperatureUnit: 'K' }, { probes: [{ input: 1, temperature: 0.01, noise: 0 }] });
    await driver.connect(signal);
    const [reading] = await driver.read!(signal);
    expect(reading).toMatchObject({ unit: 'K' });
    expect(reading!.value).toBeCloseTo(273.16, 4);
  });
});
