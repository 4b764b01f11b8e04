import type { ContractCase } from '../../../test/contract/harness.js';

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'scpi ↔ scpi-dmm',
    driver: 'scpi',
    simulator: 'scpi-dmm',
    transports: ['tcp', 'serial'],
    simulatorOptions: { standard: 'z1' },
    deviceOptions: { preset: 'keysight-34465a' },
    timeoutMs: 300,
    identity: { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'MY59001234', firmware: 'A.03.01-03.15-03.01-00.52-03-02' },
    channels: [['dcv', 'voltage', 'V']],
    values: { dcv: [10, 1e-3] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
];
