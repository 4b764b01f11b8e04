import type { ContractCase } from '../../../test/contract/harness.js';

const HMT330_VALUES = { humidity: 30.56, temperature: 21.5 };

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'modbus (vaisala-hmt330) ↔ modbus',
    driver: 'modbus',
    simulator: 'modbus',
    transports: ['tcp', 'serial'],
    simulatorOptions: { units: [{ unit: 1, profile: 'vaisala-hmt330', values: HMT330_VALUES }] },
    deviceOptions: { unit: 1, profile: 'vaisala-hmt330' },
    timeoutMs: 300,
    identity: null,
    channels: [
      ['humidity', 'humidity', '%RH'],
      ['temperature', 'temperature', '°C'],
    ],
    values: { humidity: [30.56, 1e-4], temperature: [21.5, 1e-4] },
    timeout: { inject: { type: 'timeout', unit: 1, count: 1 }, outcome: { flag: 'timeout', reported: 'TG_LINK_TIMEOUT' } },
    // RTU frames carry a CRC; MBAP frames do not, so over TCP the corruption is a short frame.
    garbled: { inject: { type: 'crc', unit: 1, count: 1 }, outcome: { flag: 'parse_error', reported: { tcp: 'TG_PARSE_ERROR', serial: 'MODBUS_CRC' } } },
  },
  {
    name: 'modbus (case-logger) ↔ modbus',
    driver: 'modbus',
    simulator: 'modbus',
    transports: ['tcp', 'serial'],
    simulatorOptions: { units: [{ unit: 7, profile: 'case-logger', scenario: 'drop-test' }] },
    deviceOptions: { unit: 7, profile: 'case-logger' },
    timeoutMs: 300,
    identity: null,
    channels: [
      ['peak_x', 'acceleration', 'g'],
      ['peak_y', 'acceleration', 'g'],
      ['peak_z', 'acceleration', 'g'],
      ['tilt', 'tilt', '°'],
      ['case_temperature', 'temperature', '°C'],
      ['case_humidity', 'humidity', '%RH'],
      ['battery', 'voltage', 'V'],
      ['external_power', 'external_power', '1'],
      ['events', 'event_count', '1'],
    ],
    values: { battery: [3.6, 1e-3], external_power: [1, 0] },
    timeout: { inject: { type: 'timeout', unit: 7, count: 1 }, outcome: { flag: 'timeout', reported: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'crc', unit: 7, count: 1 }, outcome: { flag: 'parse_error', reported: { tcp: 'TG_PARSE_ERROR', serial: 'MODBUS_CRC' } } },
  },
];
