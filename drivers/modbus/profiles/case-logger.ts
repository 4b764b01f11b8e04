import type { ModbusProfile } from './types.js';

/**
 * The shock and climate logger fixed to a transport case. Vendors differ, so this is the map the
 * project's simulator serves and a template for a real one: input registers numbered from 1,
 * most significant word first. Peak accelerations are held since the previous read.
 */
const input = { function: 4, addressBase: 1 } as const;
const float = { ...input, type: 'float32' } as const;

export const caseLogger: ModbusProfile = {
  name: 'case-logger',
  description: 'transport-case logger: peak acceleration x/y/z (g), tilt, case T and RH, battery, external power, event counter',
  source: 'travelgate simulated logger; input registers 1-14 (1-based)',
  registers: [
    { channel: 'peak_x', quantity: 'acceleration', unit: 'g', address: 1, ...float },
    { channel: 'peak_y', quantity: 'acceleration', unit: 'g', address: 3, ...float },
    { channel: 'peak_z', quantity: 'acceleration', unit: 'g', address: 5, ...float },
    { channel: 'tilt', quantity: 'tilt', unit: '°', address: 7, ...float },
    { channel: 'case_temperature', quantity: 'temperature', unit: '°C', address: 9, type: 'int16', scale: 0.01, sentinel: -32768, ...input },
    { channel: 'case_humidity', quantity: 'humidity', unit: '%RH', address: 10, type: 'uint16', scale: 0.01, sentinel: 65535, ...input },
    { channel: 'battery', quantity: 'voltage', unit: 'V', address: 11, type: 'uint16', scale: 0.001, ...input },
    { channel: 'external_power', quantity: 'external_power', unit: '1', address: 12, type: 'uint16', ...input },
    { channel: 'events', quantity: 'event_count', unit: '1', address: 13, type: 'uint32', ...input },
  ],
};
