import { z } from 'zod';
import { Lab, labConfig } from './lab.js';
import { createRng, type Rng } from '../../src/kit.js';
import { ZenerStandard, standardConfig } from './zener.js';

export const worldConfig = z
  .object({
    seed: z.number().int().default(1),
    lab: labConfig.default(labConfig.parse({})),
    standards: z.array(standardConfig).default([]),
  })
  .strict()
  .describe('the physics behind the simulators: the lab and the standards in it');
export type WorldConfig = z.infer<typeof worldConfig>;

/** Everything the simulated instruments observe: one lab and the standards in it. */
export class World {
  readonly lab: Lab;
  readonly random: Rng;
  readonly standards = new Map<string, ZenerStandard>();

  constructor(cfg: WorldConfig) {
    this.lab = new Lab(cfg.lab);
    this.random = createRng(cfg.seed);
    for (const s of cfg.standards) this.standards.set(s.id, new ZenerStandard(s));
  }

  standard(id: string): ZenerStandard {
    const s = this.standards.get(id);
    if (!s) throw new Error(`the simulated world has no standard "${id}"`);
    return s;
  }
}
