import type { ContractCase } from '../../../test/contract/harness.js';

const row = {
  driver: 'fluke-8508a',
  simulator: 'fluke-8508a',
  timeoutMs: 400,
  identity: { manufacturer: 'FLUKE', model: '8508A', serial: '953012345', firmware: '1.14' },
  channels: [['dcv', 'voltage', 'V']],
  values: { dcv: [10, 1e-3] },
  timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
  garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
} as const;

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  { ...row, name: 'fluke-8508a ↔ fluke-8508a (RS-232 / TCP)', transports: ['tcp', 'serial'], simulatorOptions: { standard: 'z1' } },
  {
    ...row,
    name: 'fluke-8508a ↔ fluke-8508a on GPIB (prologix)',
    transports: ['tcp'],
    simulatorOptions: { standard: 'z1', gpibAddress: 7 },
    linkOptions: { type: 'prologix', address: 7, readTimeout: '100ms' },
  },
];
