import type { Fault } from '../types.js';

/** The faults handled inside the protocol (disconnect is the transport's, see index.ts). */
export const PROTOCOL_FAULTS = ['no_reply', 'garbled', 'torn', 'sensor_fail'] as const;
export type ProtocolFault = (typeof PROTOCOL_FAULTS)[number];

/**
 * Active faults with the number of replies each still affects (`count` omitted = until cleared).
 * take() consumes one use and returns the fault's options while it is active.
 */
export class FaultState {
  private readonly active = new Map<ProtocolFault, { left: number; fault: Fault }>();

  static isProtocolFault(type: string): type is ProtocolFault {
    return (PROTOCOL_FAULTS as readonly string[]).includes(type);
  }

  inject(type: ProtocolFault, fault: Fault): void {
    const left = fault.count ?? Number.POSITIVE_INFINITY;
    if (left > 0) this.active.set(type, { left, fault });
  }

  take(type: ProtocolFault): Fault | undefined {
    const entry = this.active.get(type);
    if (!entry) return undefined;
    entry.left--;
    if (entry.left <= 0) this.active.delete(type);
    return entry.fault;
  }

  clear(): void {
    this.active.clear();
  }
}
