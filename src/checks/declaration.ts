/**
 * What a gateway declares about each travelling standard it measures, for the pilot: the
 * `standard_declared` event, journaled once at every start (so the latest declaration of a lab is
 * the one in force; a changed `typeB` takes effect from the restart that journals it).
 *
 * Contract: one event per configured standard, in configuration order, at `time`:
 *   { type: 'standard_declared', standard: id, severity: 'info', message,
 *     data: { standard, quantity, nominal, unit, typeB: { u, note? } | null } }
 * `typeB.u` is the lab's type B standard uncertainty (k=1) in `unit`; null when not configured.
 * The checks ignore the event on replay (it is an input for the pilot only).
 */
import type { GatewayEvent } from '../core/types.js';
import type { StandardConfig } from './config.js';

export const EVENT_DECLARED = 'standard_declared';

export function declarationEvents(standards: readonly StandardConfig[], time: number): GatewayEvent[] {
  return standards.map((s) => {
    const typeB = s.typeB ? { u: s.typeB.u, ...(s.typeB.note !== undefined ? { note: s.typeB.note } : {}) } : null;
    const declared = typeB ? `type B u = ${typeB.u} ${s.unit} (k=1)` : 'no type B uncertainty declared';
    return {
      type: EVENT_DECLARED,
      time,
      standard: s.id,
      severity: 'info' as const,
      message: `${s.id}: nominal ${s.nominal} ${s.unit}, ${declared}`,
      data: { standard: s.id, quantity: s.quantity, nominal: s.nominal, unit: s.unit, typeB },
    };
  });
}
