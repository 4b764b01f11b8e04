/**
 * What both peers read and how often: the simulated device's register map and the two workloads.
 *
 * Contract: every simulated device serves CHANNELS as int16 holding registers (function 3) at
 * consecutive wire addresses from FIRST_REGISTER, and both peers read all of them with one request
 * per poll and turn register i into channel i's value `raw · scale`. The channel names are the
 * InfluxDB field (new travelgate schema, bare loop) or `channel` tag (old travelgate schema) names,
 * and the only fields counted as values.
 */

export interface ChannelSpec {
  channel: string;
  quantity: string;
  unit: string;
  /** value = int16 register · scale */
  scale: number;
  /** A fixed simulated value; channels without one follow the simulated lab (T, RH, p). */
  fixed?: number;
}

export const FIRST_REGISTER = 0;

export const CHANNELS: readonly ChannelSpec[] = [
  { channel: 'temperature', quantity: 'temperature', unit: '°C', scale: 0.01 },
  { channel: 'humidity', quantity: 'humidity', unit: '%RH', scale: 0.01 },
  { channel: 'pressure', quantity: 'pressure', unit: 'hPa', scale: 0.1 },
  { channel: 'voltage', quantity: 'voltage', unit: 'V', scale: 0.001, fixed: 10 },
  { channel: 'current', quantity: 'current', unit: 'mA', scale: 0.001, fixed: 12 },
];

export const CHANNEL_NAMES: readonly string[] = CHANNELS.map((c) => c.channel);

/** The channel the travelling standard's checks run on (of the first device). */
export const MEASURAND_CHANNEL = 'temperature';

/** Modbus unit id of every simulated device (each is its own TCP endpoint). */
export const UNIT_ID = 1;

export type WorkloadName = 'W1' | 'W2';
export const WORKLOAD_NAMES: readonly WorkloadName[] = ['W1', 'W2'];

export interface Workload {
  name: WorkloadName;
  /** Devices, each on its own simulator TCP port and its own connection. */
  devices: number;
  /** Poll period per device; 0 = back to back, as fast as it goes. */
  intervalMs: number;
  /** Length of the measuring window, after the warm-up. */
  windowSeconds: number;
  description: string;
}

export function workload(name: WorkloadName, windowSeconds: number): Workload {
  return name === 'W1'
    ? { name, devices: 1, intervalMs: 0, windowSeconds, description: `1 device × 5 registers, back to back, ${windowSeconds} s` }
    : { name, devices: 10, intervalMs: 100, windowSeconds, description: `10 devices × 10 Hz × 5 registers, ${windowSeconds} s` };
}

/** Device ids d00, d01, …: the same for both peers. */
export function deviceId(index: number): string {
  return `d${String(index).padStart(2, '0')}`;
}
