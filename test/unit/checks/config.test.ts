import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { testRegistry } from '../../helpers/test-registry.js';

const BASE = `
gateway: { id: gw-1, lab: PTB }
links:
  - { id: lan-1, type: tcp, host: 192.0.2.10, port: 5025 }
devices:
  - { id: dmm, driver: probe, link: lan-1 }
  - { id: ptu, driver: probe, link: lan-1 }
  - { id: case, driver: probe, link: lan-1 }
standards:
  - id: Z732B-1
    nominal: 10
    measurand: { device: dmm, channel: dcv }
    environment:
      temperature: { device: ptu, channel: temperature }
      pressure: { device: ptu, channel: pressure }
      window: { temperature: { min: 22, max: 24 } }
    corrections: { pressure: { coefficient: 2.0e-9, reference: 1013.25 } }
    reference: { t0: "2026-01-01T00:00:00Z", x0: 10.0000025, uX0: 1.0e-7, driftPerDay: -3.0e-8, uDriftPerDay: 3.0e-9 }
    transport: { logger: case, shock: { warn: 5, fail: 15 } }
    settling: { time: 24h, window: 6h, maxThermistorSpread: 0.001 }
`;

function issuesOf(text: string): string[] {
  const r = parseConfig(text, testRegistry, {});
  if (r.ok) throw new Error('expected the configuration to be invalid');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('standards in the configuration', () => {
  it('parses a standard and fills in the protocol defaults', () => {
    const r = parseConfig(BASE, testRegistry, {});
    if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const s = r.config.standards[0]!;
    expect(s).toMatchObject({
      id: 'Z732B-1',
      quantity: 'voltage',
      unit: 'V',
      initialState: 'awaiting',
      environment: { maxAge: 600_000 },
      drift: { fit: 'auto', minPoints: 10, warn: 2, fail: 3, k: 2 },
      step: { k: 0.5, h: 12, minPoints: 30, restartFit: true },
      settling: { time: 86_400_000, window: 21_600_000, autoMeasure: true },
      reference: { uTransport: 0 },
    });
    expect(s.transport.channels).toEqual({
      accelX: 'peak_x', accelY: 'peak_y', accelZ: 'peak_z', tilt: 'tilt',
      temperature: 'case_temperature', humidity: 'case_humidity', power: 'external_power', battery: 'battery',
    });
    expect(s.transport).toMatchObject({ motion: 2, thermistorStep: 0.005, thermistorHoldoff: 3_600_000, powerOffBelow: 0.5 });
  });

  it('is optional', () => {
    const r = parseConfig(BASE.slice(0, BASE.indexOf('standards:')), testRegistry, {});
    expect(r.ok && r.config.standards).toEqual([]);
  });

  it('reports unknown devices, duplicates and a channel measuring two standards', () => {
    const text = `${BASE.replace('logger: case', 'logger: crate').replace('device: ptu, channel: pressure', 'device: baro, channel: pressure')}
  - id: Z732B-1
    nominal: 10
    measurand: { device: dmm, channel: dcv }
    thermistor: { device: ohm, channel: fres }
    corrections: { humidity: { coefficient: 1.0e-9, reference: 45 } }
`;
    expect(issuesOf(text)).toEqual(
      expect.arrayContaining([
        'standards[0].environment.pressure.device: unknown device "baro"',
        'standards[0].transport.logger: unknown device "crate"',
        'standards[1].id: duplicate id "Z732B-1" (also standards[0])',
        'standards[1].thermistor.device: unknown device "ohm"',
        'standards[1].measurand: dmm/dcv already measures standards[0]',
        'standards[1].corrections.humidity: needs environment.humidity (the channel it is read from)',
      ]),
    );
  });

  it('reports bad limits and times with their paths', () => {
    const text = BASE.replace('shock: { warn: 5, fail: 15 }', 'shock: { warn: 20, fail: 15 }').replace('"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00"');
    const issues = issuesOf(text);
    expect(issues).toContain('standards[0].transport.shock: fail must not be below warn');
    expect(issues.some((i) => i.startsWith('standards[0].reference.t0: expected an ISO 8601 time with a zone'))).toBe(true);
  });

  it('is part of the generated JSON Schema', () => {
    const schema = JSON.parse(configJsonSchema(testRegistry)) as { properties: Record<string, unknown> };
    expect(schema.properties.standards).toMatchObject({ type: 'array' });
  });
});
