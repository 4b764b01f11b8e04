import type { ModbusProfile } from './types.js';

/**
 * Vaisala HMT330 humidity and temperature transmitter, Modbus RTU. Measurement data are IEEE 754
 * float32 in two holding registers, least significant word first; registers are numbered from 1
 * (register 1 is wire address 0); a value that is temporarily unavailable reads as a quiet NaN.
 * Read each float in one transaction (the planner never splits one).
 */
const float = { function: 3, addressBase: 1, type: 'float32', wordOrder: 'little', byteOrder: 'big' } as const;

export const vaisalaHmt330: ModbusProfile = {
  name: 'vaisala-hmt330',
  description: 'Vaisala HMT330: RH and T as float32, least significant word first, 1-based registers, FC 3',
  source: 'HMT330 User\'s Guide M210566EN, Modbus reference, "Measurement data registers": RH 0001-0002, T 0003-0004',
  registers: [
    { channel: 'humidity', quantity: 'humidity', unit: '%RH', address: 1, ...float },
    { channel: 'temperature', quantity: 'temperature', unit: '°C', address: 3, ...float },
  ],
};
