import type { DeviceIdentity } from '../core/types.js';

export interface IdentityExpectation {
  manufacturer?: string;
  model?: string;
  serial?: string;
}

/**
 * Compares what an instrument reported with what the configuration expects. Fields the
 * configuration leaves out are not compared; comparison ignores case and surrounding blanks.
 * Returns the mismatching fields (empty when the identity matches).
 */
export type IdentityField = 'manufacturer' | 'model' | 'serial';

export function identityMismatches(expected: IdentityExpectation | undefined, actual: DeviceIdentity | null): IdentityField[] {
  if (!expected) return [];
  const fields = ['manufacturer', 'model', 'serial'] as const;
  const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase();
  return fields.filter((f) => expected[f] !== undefined && norm(expected[f]) !== norm(actual?.[f]));
}
