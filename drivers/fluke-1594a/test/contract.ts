import type { ContractCase } from '../../../test/contract/harness.js';

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'fluke-1594a ↔ fluke-1594a',
    driver: 'fluke-1594a',
    simulator: 'fluke-1594a',
    transports: ['tcp', 'serial'],
    simulatorOptions: { samplePeriodMs: 1000 },
    samplePeriodMs: 1000,
    timeoutMs: 400,
    identity: { manufacturer: 'FLUKE', model: '1594A', serial: 'B23456', firmware: '1.04' },
    channels: [['ch1', 'temperature', '°C']],
    values: { ch1: [23, 0.01] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
];
