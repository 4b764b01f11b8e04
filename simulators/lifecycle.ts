/**
 * Start-up steps shared by the instrument simulators (shared/line-simulator.ts, prologix-3458a, fluke-1594a):
 * choosing the world's standard an instrument measures, and starting a server so that a failure
 * leaves nothing running and surfaces as a TG_SIMULATOR error naming the simulator.
 */
import { TgError } from '../src/kit.js';
import type { World } from './physics/world.js';
import type { ZenerStandard } from './physics/zener.js';

/**
 * The standard `id` of the world, or (without an id) the world's first standard, or undefined
 * when the world has none. Throws TG_SIMULATOR `<kind>: the world has no standard "<id>"` for a
 * configured id the world lacks.
 */
export function pickStandard(kind: string, world: World, id: string | undefined): ZenerStandard | undefined {
  if (id !== undefined && !world.standards.has(id)) throw new TgError('TG_SIMULATOR', `${kind}: the world has no standard "${id}"`);
  const standardId = id ?? world.standards.keys().next().value;
  return standardId === undefined ? undefined : world.standard(standardId);
}

/**
 * Runs `start`; if it fails, awaits `stop` (which must tolerate a half-started simulator) and
 * throws TG_SIMULATOR `<kind>: <message>` with the failure as its cause.
 */
export async function startOrStop<T>(kind: string, start: () => Promise<T>, stop: () => Promise<void>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await stop();
    throw new TgError('TG_SIMULATOR', `${kind}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
