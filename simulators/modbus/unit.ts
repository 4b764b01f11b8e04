import { REGISTER_COUNT, wireAddress, type RegisterSpec } from '../../drivers/modbus/registers.js';
import { encodeValue } from './encode.js';

/**
 * One simulated Modbus unit: a register map and where its values come from. Registers are
 * computed when a request arrives, so they always show the current state of the world.
 */

/** The values of a unit's channels at one instant, by channel name. */
export type ValueSource = () => Record<string, number>;

export type ReadOutcome = { registers: number[] } | { exception: number };

export class SimulatedUnit {
  /** The [first, end) wire addresses the map covers, per function code. */
  private readonly hull = new Map<number, [number, number]>();

  constructor(
    readonly id: number,
    readonly registers: readonly RegisterSpec[],
    private readonly source: ValueSource,
  ) {
    for (const r of registers) {
      const start = wireAddress(r);
      const end = start + REGISTER_COUNT[r.type];
      const h = this.hull.get(r.function);
      this.hull.set(r.function, h ? [Math.min(h[0], start), Math.max(h[1], end)] : [start, end]);
    }
  }

  /**
   * Answers a read of `count` registers at `address`. Exception 1 for a function other than 3/4,
   * 3 for a count outside 1..125, 2 for addresses outside the map (gaps inside it read 0).
   * `unavailable` names channels to serve as NaN / sentinel ('*' = all).
   */
  read(fc: number, address: number, count: number, unavailable: ReadonlySet<string> = new Set()): ReadOutcome {
    if (fc !== 3 && fc !== 4) return { exception: 1 };
    if (count < 1 || count > 125) return { exception: 3 };
    const hull = this.hull.get(fc);
    if (!hull || address < hull[0] || address + count > hull[1]) return { exception: 2 };
    const values = this.source();
    const out = new Array<number>(count).fill(0);
    for (const r of this.registers) {
      if (r.function !== fc) continue;
      const start = wireAddress(r);
      const n = REGISTER_COUNT[r.type];
      if (start + n <= address || start >= address + count) continue;
      const missing = unavailable.has('*') || unavailable.has(r.channel);
      const words = encodeValue(missing ? NaN : (values[r.channel] ?? 0), r);
      words.forEach((w, i) => {
        const at = start + i - address;
        if (at >= 0 && at < count) out[at] = w;
      });
    }
    return { registers: out };
  }
}
