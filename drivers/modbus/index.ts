import type { RegisterDriverDefinition } from '../../src/kit.js';
import { modbusDeviceConfig, type ModbusDeviceConfig } from './config.js';
import { createModbusDriver } from './driver.js';

export { modbusDeviceConfig, resolveRegisterMap, registerMapFields, type ModbusDeviceConfig } from './config.js';
export { decodeEntry, decodeRaw, valueBytes } from './decode.js';
export { planRequests, type PlannedRequest } from './plan.js';
export { PROFILES, PROFILE_NAMES, findProfile, type ModbusProfile } from './profiles/index.js';
export { REGISTER_COUNT, REGISTER_TYPES, registerSpec, wireAddress, type RegisterSpec, type RegisterType } from './registers.js';

/** Any Modbus RTU/TCP device described by a register map (a named profile and/or entries). */
export const modbusDriver: RegisterDriverDefinition<ModbusDeviceConfig> = {
  kind: 'modbus',
  description: 'a Modbus RTU or TCP device described as data: a register map from a profile and/or the configuration',
  linkKind: 'registers',
  config: modbusDeviceConfig,
  create: (cfg, deps) => createModbusDriver(cfg, deps),
  channels: (cfg) => cfg.registers.map((r) => r.channel),
};
