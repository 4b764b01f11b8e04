import { describe, expect, it } from 'vitest';
import { modbusDeviceConfig } from '../../drivers/modbus/config.js';
import { modbusDriver } from '../../drivers/modbus/index.js';
import { modbusSimulator } from '../../simulators/modbus/index.js';
import { parseConfig } from '../../src/config/load.js';

const registry = { drivers: [modbusDriver], simulators: [modbusSimulator] };

/** The Modbus part of config/demo.yaml, as handed to the lead. */
const DEMO = `
gateway: { id: gw-demo, lab: DEMO }
simulators:
  - id: sim-hmt330
    kind: modbus
    listen: { tcp: { port: 0 } }
    options:
      units:
        - { unit: 1, profile: vaisala-hmt330 }
  - id: sim-case-logger
    kind: modbus
    listen: { tcp: { port: 0 } }
    options:
      units:
        - { unit: 7, profile: case-logger, scenario: road-trip }
links:
  - { id: modbus-env, type: modbus-tcp, simulator: sim-hmt330 }
  - { id: modbus-case, type: modbus-tcp, simulator: sim-case-logger, breaker: { failures: 3, probeInterval: 10s } }
devices:
  - id: env-hmt330
    driver: modbus
    link: modbus-env
    interval: 2s
    timeout: 1s
    options: { unit: 1, profile: vaisala-hmt330 }
  - id: case-logger
    driver: modbus
    link: modbus-case
    interval: 1s
    timeout: 1s
    options: { unit: 7, profile: case-logger }
`;

describe('Modbus configuration', () => {
  it('accepts the demo configuration: Modbus TCP HMT330 and the case logger with their simulators', () => {
    const result = parseConfig(DEMO, registry, {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const links = result.config.links;
    expect(links[1]).toMatchObject({ type: 'modbus-tcp', breaker: { failures: 3, probeInterval: 10_000 }, interFrameDelay: 0 });
    const device = result.config.devices[0]!.options as ReturnType<typeof modbusDeviceConfig.parse>;
    expect(device.registers.map((r) => [r.channel, r.address, r.type, r.wordOrder])).toEqual([
      ['humidity', 1, 'float32', 'little'],
      ['temperature', 3, 'float32', 'little'],
    ]);
  });

  it('accepts an RTU bus with its defaults (19200 8E1, breaker 3 failures / 10 s)', () => {
    const yaml = `
gateway: { id: g, lab: L }
links: [{ id: bus, type: modbus-rtu, path: /dev/ttyUSB0 }]
devices: [{ id: d, driver: modbus, link: bus, options: { unit: 2, profile: env-sensor } }]
`;
    const result = parseConfig(yaml, registry, {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.links[0]).toMatchObject({ baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1, breaker: { failures: 3, probeInterval: 10_000 } });
  });

  it('lets a device override a profile entry field by field and add its own entries', () => {
    const cfg = modbusDeviceConfig.parse({
      unit: 1,
      profile: 'vaisala-hmt330',
      registers: [
        { channel: 'temperature', u: 0.1 },
        { channel: 'dewpoint', quantity: 'dewpoint', unit: '°C', address: 7, addressBase: 1, type: 'float32', wordOrder: 'little' },
      ],
    });
    expect(cfg.registers.map((r) => r.channel)).toEqual(['humidity', 'temperature', 'dewpoint']);
    expect(cfg.registers[1]).toMatchObject({ address: 3, type: 'float32', wordOrder: 'little', u: 0.1 });
    expect(cfg.registers[2]).toMatchObject({ function: 3, scale: 1, byteOrder: 'big' });
  });

  it('reports every problem of a register map with its path', () => {
    const result = modbusDeviceConfig.safeParse({
      unit: 1,
      registers: [
        { channel: 'a', quantity: 'q', unit: 'u', address: 0, addressBase: 1 },
        { channel: 'b', quantity: 'q', address: 4 },
        { channel: 'b', quantity: 'q', unit: 'u', address: 5 },
      ],
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toContain('registers.0.address: address 0 does not exist when addressBase is 1');
    expect(issues.some((i) => i.startsWith('registers.1.unit'))).toBe(true);
    expect(issues).toContain('registers.2.channel: duplicate channel "b"');
    expect(modbusDeviceConfig.safeParse({ unit: 1 }).error!.issues[0]!.message).toMatch(/profile or at least one register/);
    expect(modbusDeviceConfig.safeParse({ unit: 1, profile: 'nope' }).success).toBe(false);
  });

  it('refuses a modbus device on a line link and a simulator with a duplicate unit id', () => {
    const yaml = `
gateway: { id: g, lab: L }
simulators:
  - { id: s, kind: modbus, listen: { tcp: { port: 0 } }, options: { units: [{ unit: 1, profile: env-sensor }, { unit: 1, profile: case-logger }] } }
links: [{ id: line, type: tcp, host: 127.0.0.1, port: 5025 }]
devices: [{ id: d, driver: modbus, link: line, options: { unit: 1, profile: env-sensor } }]
`;
    const result = parseConfig(yaml, registry, {});
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues.some((i) => /devices\[0\]\.link.*needs a registers link/.test(i))).toBe(true);
    expect(issues.some((i) => /unit.*duplicate unit id 1/.test(i))).toBe(true);
  });
});
