import type { ContractCase } from '../../../test/contract/harness.js';

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'hp3458a ↔ prologix-3458a',
    driver: 'hp3458a',
    simulator: 'prologix-3458a',
    transports: ['tcp'], // the Prologix GPIB-ETHERNET adapter has no serial side
    linkOptions: { type: 'prologix', address: 22, readTimeout: '100ms' },
    simulatorOptions: { standard: 'z1' },
    deviceOptions: { serial: '2823A05678' },
    timeoutMs: 500,
    identity: { manufacturer: 'HP', model: '3458A', serial: '2823A05678' },
    channels: [['dcv', 'voltage', 'V']],
    values: { dcv: [10, 1e-3] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
];
