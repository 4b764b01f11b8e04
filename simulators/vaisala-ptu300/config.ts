import { z } from 'zod';

export const ptu300SimulatorConfig = z
  .object({
    serial: z.string().min(1).default('K1234567').describe('the serial number the ? info block reports'),
    responseDelayMs: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('delay before each reply to a command (continuous output is not delayed)'),
  })
  .strict();

export type Ptu300SimulatorConfig = z.infer<typeof ptu300SimulatorConfig>;
