/** The fluke-1594a simulator's options (a simulator's `options` in the YAML); all have defaults. */
import { z } from 'zod';

export const fluke1594aSimulatorConfig = z
  .object({
    identity: z
      .object({
        manufacturer: z.string().min(1).default('FLUKE'),
        model: z.string().min(1).default('1594A'),
        serial: z.string().min(1).default('B23456'),
        firmware: z.string().min(1).default('1.04'),
      })
      .strict()
      .prefault({})
      .describe('what *IDN? answers'),
    channel: z.number().int().min(1).max(2).default(1).describe('the front channel the SPRT is on'),
    temperature: z
      .number()
      .optional()
      .describe('a fixed temperature, °C, instead of the simulated lab air (e.g. a water triple-point cell: 0.01)'),
    noise: z.number().nonnegative().default(0.0002).describe('measurement noise, K (standard deviation)'),
    r0: z.number().positive().default(25.5).describe('the SPRT\'s resistance at 0 °C, Ω'),
    samplePeriodMs: z.number().positive().default(2000).describe('one new measurement every samplePeriodMs'),
    terminator: z.enum(['CRLF', 'CR', 'LF']).default('CRLF').describe('ends every reply line'),
  })
  .strict();

export type Fluke1594aSimulatorConfig = z.infer<typeof fluke1594aSimulatorConfig>;
