import { z } from 'zod';
import type { Registry } from '../../src/config/schema.js';

/** A registry with one small driver and simulator, to test configuration mechanics on their own. */
export const testRegistry: Registry = {
  drivers: [
    {
      kind: 'probe',
      description: 'a test driver',
      linkKind: 'line',
      config: z.object({ query: z.string().default('READ?'), gain: z.number().positive().default(1) }).strict(),
      create: () => {
        throw new Error('not used');
      },
    },
  ],
  simulators: [
    {
      kind: 'probe-sim',
      description: 'a test simulator',
      config: z.object({ standard: z.string().optional() }).strict(),
      create: () => {
        throw new Error('not used');
      },
    },
  ],
};
