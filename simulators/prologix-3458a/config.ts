/** The prologix-3458a simulator's options (a simulator's `options` in the YAML); all have defaults. */
import { z } from 'zod';
import { PROLOGIX_VERSION } from '../shared/gpib-server.js';

export const prologix3458aConfig = z
  .object({
    gpibAddress: z.number().int().min(0).max(30).default(22).describe('the simulated 3458A\'s GPIB address'),
    identity: z.string().min(1).default('HP3458A').describe('what ID? answers'),
    standard: z
      .string()
      .min(1)
      .optional()
      .describe("the world standard wired to the input; default the world's first (none: a shorted input)"),
    measurementMs: z
      .number()
      .nonnegative()
      .default(0)
      .describe('time from TRIG SGL until the reading can be read (integration time)'),
    internalRise: z
      .number()
      .default(13)
      .describe('internal temperature above the lab air, K (TEMP? reads about 36 °C in a 23 °C lab)'),
    version: z.string().min(1).default(PROLOGIX_VERSION).describe('what ++ver answers'),
  })
  .strict();

export type Prologix3458aConfig = z.infer<typeof prologix3458aConfig>;
