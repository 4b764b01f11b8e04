import type { SimulatorDefinition } from '../types.js';
import { modbusSimulatorConfig, type ModbusSimulatorConfig } from './config.js';
import { ModbusSimulator } from './simulator.js';

export { modbusSimulatorConfig, type ModbusSimulatorConfig } from './config.js';
export { ModbusSimulator } from './simulator.js';
export { ScenarioPlayer, loadScenario, scenarioSchema, type Scenario } from './scenario.js';
export { FAULT_TYPES } from './faults.js';

/** Modbus RTU (on a pty) and TCP units serving any register map; faults in faults.ts. */
export const modbusSimulator: SimulatorDefinition<ModbusSimulatorConfig> = {
  kind: 'modbus',
  description: 'Modbus RTU/TCP units serving register maps (driver profiles or entries) with values from the lab or a transport scenario',
  config: modbusSimulatorConfig,
  create: (cfg, deps) => new ModbusSimulator(cfg, deps),
};
