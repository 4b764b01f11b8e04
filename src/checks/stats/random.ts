/**
 * Seeded pseudo-random numbers for tests, simulators and benchmarks (never for anything that needs
 * unpredictability).
 *
 * Contract:
 * - `createRng(seed)` is deterministic: the same 32-bit seed gives the same sequence on every
 *   platform (pure 32-bit integer arithmetic, mulberry32).
 * - `uniform()` returns a value in [0, 1) with 32 bits of resolution.
 * - `normal()` returns a standard normal deviate (mean 0, SD 1) by the Box–Muller transform; the
 *   second deviate of each pair is cached, so two calls consume one pair of uniforms.
 * - `snapshot()` / `createRng(seed, state)` let a simulator persist and resume a stream.
 */

export interface RngState {
  /** The 32-bit generator state. */
  readonly s: number;
  /** The cached second Box–Muller deviate, or null. */
  readonly spare: number | null;
}

export interface Rng {
  /** A uniform deviate in [0, 1). */
  uniform(): number;
  /** A standard normal deviate. */
  normal(): number;
  /** A normal deviate with the given mean and standard deviation. */
  gaussian(mean: number, sd: number): number;
  /** The current state, a plain JSON object. */
  snapshot(): RngState;
}

const TWO_POW_32 = 4294967296;

export function createRng(seed: number, state?: RngState): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`createRng: seed must be an integer, got ${seed}`);
  let s = (state ? state.s : seed) >>> 0;
  let spare: number | null = state ? state.spare : null;

  // mulberry32: a small, well-mixed 32-bit generator (period 2^32), adequate for test noise.
  const nextUint32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };

  const uniform = (): number => nextUint32() / TWO_POW_32;

  const normal = (): number => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    // u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const phi = 2 * Math.PI * u2;
    spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  };

  return {
    uniform,
    normal,
    gaussian: (mean, sd) => mean + sd * normal(),
    snapshot: () => ({ s, spare }),
  };
}
