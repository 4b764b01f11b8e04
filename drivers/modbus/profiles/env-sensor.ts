import type { ModbusProfile } from './types.js';

/**
 * A generic room-climate sensor (temperature, humidity, pressure) of the common kind: signed 16-bit
 * input registers with fixed scaling, wire addresses from 0, 0x8000 (-32768) when a value is not
 * available (the convention of Vaisala's integer registers, among others).
 */
const int16 = { function: 4, addressBase: 0, type: 'int16', sentinel: -32768 } as const;

export const envSensor: ModbusProfile = {
  name: 'env-sensor',
  description: 'generic T/RH/p sensor: int16 input registers 0-2, T x0.01 °C, RH x0.01 %RH, p x0.1 hPa',
  source: 'generic map; T at input register 0 (x0.01), RH at 1 (x0.01), p at 2 (x0.1), -32768 = unavailable',
  registers: [
    { channel: 'temperature', quantity: 'temperature', unit: '°C', address: 0, scale: 0.01, ...int16 },
    { channel: 'humidity', quantity: 'humidity', unit: '%RH', address: 1, scale: 0.01, ...int16 },
    { channel: 'pressure', quantity: 'pressure', unit: 'hPa', address: 2, scale: 0.1, ...int16 },
  ],
};
