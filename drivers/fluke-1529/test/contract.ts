import type { ContractCase } from '../../../test/contract/harness.js';

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'fluke-1529 ↔ fluke-1529',
    driver: 'fluke-1529',
    simulator: 'fluke-1529',
    transports: ['tcp', 'serial'],
    simulatorOptions: { probes: [{ input: 1, noise: 0 }] },
    timeoutMs: 400,
    identity: { manufacturer: 'HART', model: '1529', serial: 'A1B234', firmware: '1.10' },
    channels: [['ch1', 'temperature', '°C']],
    values: { ch1: [23, 0.01] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
];
