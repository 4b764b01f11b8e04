import { z } from 'zod';
import { registerMapFields, resolveRegisterMap } from '../../drivers/modbus/config.js';
import { duration } from '../../src/kit.js';

/**
 * The Modbus simulator's options: the units on its bus (or behind its TCP port), each a register
 * map (a driver profile and/or entries, exactly as a device in the configuration gives it) and
 * where its values come from.
 */

const unitConfig = z
  .object({
    unit: z.number().int().min(1).max(247).describe('the unit id it answers to'),
    ...registerMapFields,
    values: z
      .record(z.string(), z.number())
      .default({})
      .describe('fixed values by channel; channels not given follow the scenario or the lab (temperature, humidity, pressure)'),
    scenario: z
      .string()
      .optional()
      .describe('a transport scenario (a name in simulators/modbus/scenarios/, or a .yaml/.json path) feeding the case-logger channels'),
    timeFactor: z.number().positive().optional().describe("overrides the scenario's time factor"),
  })
  .strict()
  .transform((u, ctx) => {
    const { registers, issues } = resolveRegisterMap(u.profile, u.registers);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return { unit: u.unit, registers, values: u.values, scenario: u.scenario, timeFactor: u.timeFactor };
  });

export const modbusSimulatorConfig = z
  .object({
    units: z
      .array(unitConfig)
      .min(1)
      .prefault([{ unit: 1, profile: 'env-sensor' }])
      .describe('the units on this bus / behind this port'),
    responseDelay: duration().default(0).describe('every reply is sent this long after the request'),
    singleConnection: z.boolean().default(false).describe('TCP: refuse a second client while one is connected'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<number>();
    cfg.units.forEach((u, i) => {
      if (seen.has(u.unit)) ctx.addIssue({ code: 'custom', path: ['units', i, 'unit'], message: `duplicate unit id ${u.unit}` });
      seen.add(u.unit);
    });
  });

export type ModbusSimulatorConfig = z.output<typeof modbusSimulatorConfig>;
export type SimulatedUnitConfig = ModbusSimulatorConfig['units'][number];
