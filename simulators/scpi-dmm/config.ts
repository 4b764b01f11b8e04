/** The scpi-dmm simulator's options (a simulator's `options` in the YAML); all have defaults. */
import { z } from 'zod';

export const scpiDmmConfig = z
  .object({
    identity: z
      .object({
        manufacturer: z.string().min(1).default('Keysight Technologies'),
        model: z.string().min(1).default('34465A'),
        serial: z.string().min(1).default('MY59001234'),
        firmware: z.string().min(1).default('A.03.01-03.15-03.01-00.52-03-02'),
      })
      .strict()
      .prefault({})
      .describe('what *IDN? answers (manufacturer,model,serial,firmware)'),
    standard: z
      .string()
      .min(1)
      .optional()
      .describe("the world standard wired to the input; default the world's first (none: a shorted input)"),
    function: z
      .enum(['volt', 'fres'])
      .default('volt')
      .describe("power-on and *RST function: DC volts of the standard, or 4-wire ohms of its oven thermistor"),
    responseDelayMs: z.number().nonnegative().default(0).describe('delay before every reply (integration time)'),
    singleConnection: z.boolean().default(false).describe('refuse a second TCP client while one is connected'),
  })
  .strict();

export type ScpiDmmConfig = z.infer<typeof scpiDmmConfig>;
export type DmmIdentity = ScpiDmmConfig['identity'];
