/**
 * The results as CSV (RFC 4180 through `csv-stringify`, which quotes what needs quoting) and JSON.
 *
 * - `resultsCsv`: one row per lab and standard: the lab's mean at its mean epoch, u_A, u_B, u, the
 *   model's value there, d, u(d), E_n, and the value referred to t0 with its uncertainty.
 * - `equivalenceCsv`: one row per lab in the reference value: x_i, u(x_i), d_i, u(d_i), U(d_i), E_n,
 *   and the reference value, its uncertainty, χ², ν and p on every row (marked provisional).
 * Numbers are written with full precision (shortest round-trip form); times as ISO 8601 UTC;
 * booleans as `true`/`false` (csv-stringify would write false as an empty field).
 */
import { stringify } from 'csv-stringify/sync';
import type { ComparisonResults } from '../analysis/results.js';

const iso = (t: number) => new Date(t).toISOString();
const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));

export function resultsCsv(all: readonly ComparisonResults[]): string {
  const header = ['standard', 'lab', 'unit', 'n', 'from', 'to', 'mean_epoch', 'mean', 'u_A', 'u_B', 'u', 'model_value', 'u_model', 'd', 'u_d', 'En', 'k', 'value_at_t0', 'u_at_t0', 'complete', 'issues'];
  const rows = all.flatMap((c) =>
    c.labs.map((r) => [
      r.standard, r.lab, r.unit, r.n, iso(r.from), iso(r.to), iso(r.meanEpoch), num(r.mean), num(r.uA), num(r.uB), num(r.u), num(r.model.value), num(r.model.u),
      num(r.d), num(r.ud), num(r.En), c.k, num(r.atT0.value), num(r.atT0.u), String(r.complete), r.issues.join('; '),
    ]),
  );
  return stringify([header, ...rows]);
}

export function equivalenceCsv(all: readonly ComparisonResults[]): string {
  const header = ['standard', 'lab', 'unit', 'x', 'u_x', 'd', 'u_d', 'U_d', 'En', 'k', 'x_ref', 'u_x_ref', 't0', 'chi2', 'dof', 'p_value', 'consistent', 'provisional'];
  const rows = all.flatMap((c) =>
    c.reference
      ? c.equivalence.map((e) => [
          c.standard, e.lab, c.unit, num(e.x), num(e.u), num(e.d), num(e.ud), num(e.U), num(e.En), c.k,
          num(c.reference!.value), num(c.reference!.u), c.reference!.t0, num(c.reference!.chi2), c.reference!.dof, num(c.reference!.pValue), String(c.reference!.consistent), 'true',
        ])
      : [],
  );
  return stringify([header, ...rows]);
}

/** JSON export: what the API's results route answers, with NaN written as null. */
export function resultsJson(all: readonly ComparisonResults[]): string {
  return `${JSON.stringify({ provisional: true, standards: all }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
