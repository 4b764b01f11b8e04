import type { ContractCase } from '../../../test/contract/harness.js';

/** This driver's rows of the driver contract (test/contract/drivers.contract.test.ts discovers them). */
export const contract: readonly ContractCase[] = [
  {
    name: 'vaisala-ptu300 ↔ vaisala-ptu300',
    driver: 'vaisala-ptu300',
    simulator: 'vaisala-ptu300',
    transports: ['tcp', 'serial'],
    deviceOptions: { mode: 'polled', identify: true },
    linkOptions: { writeTerminator: 'CRLF', readTerminator: 'CRLF' },
    timeoutMs: 400,
    identity: { manufacturer: 'Vaisala', model: 'PTU300', serial: 'K1234567', firmware: '3.10' },
    channels: [
      ['humidity', 'humidity', '%RH'],
      ['temperature', 'temperature', '°C'],
      ['pressure', 'pressure', 'hPa'],
    ],
    values: { temperature: [23, 0.1] },
    timeout: { inject: { type: 'no_reply', count: 1 }, outcome: { throws: 'TG_LINK_TIMEOUT' } },
    garbled: { inject: { type: 'garbled', count: 1 }, outcome: { flag: 'parse_error', reported: 'TG_PARSE_ERROR' } },
  },
];
