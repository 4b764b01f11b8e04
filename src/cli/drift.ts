/**
 * `travelgate drift FILE.csv [--epoch T]`: the drift fit of a series offline, with the same
 * `OnlineLinearFit` the online check runs, e.g. on a lab's stability-test history.
 *
 * Contract:
 * - Input: CSV with header `time,value` or `time,value,u` (blank lines and lines starting with
 *   '#' are skipped). `time` is ISO 8601 with a zone (UTC) or decimal days, one kind per file;
 *   with a `u` column every row needs u > 0 and the fit is weighted (u absolute), else ordinary.
 * - Time origin t0: for decimal days 0, or `--epoch` as a decimal day; for ISO times `--epoch` as
 *   ISO 8601, else the first time stamp. t = days since t0 (ISO: exact integer ms differences).
 * - Output: one JSON object {n, slopePerDay, uSlopePerDay, t0, valueAtT0, uValueAtT0, residualSd,
 *   r2}; t0 is the ISO string (ISO input) or the number (decimal days). Exit 0.
 * - Bad input: one line per problem (with its line number) on stderr, exit 2.
 */
import { readFileSync } from 'node:fs';
import { OnlineLinearFit } from '../checks/stats/index.js';

const DAY_MS = 86_400_000;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ZONED_ISO = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

export interface DriftReport {
  n: number;
  slopePerDay: number;
  uSlopePerDay: number;
  t0: string | number;
  valueAtT0: number;
  uValueAtT0: number;
  residualSd: number;
  r2: number;
}

export class DriftInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

type TimeKind = 'iso' | 'days';

function parseTime(cell: string): { kind: TimeKind; value: number } | undefined {
  if (DECIMAL.test(cell)) return { kind: 'days', value: Number(cell) };
  if (ZONED_ISO.test(cell)) {
    const ms = Date.parse(cell);
    if (!Number.isNaN(ms)) return { kind: 'iso', value: ms };
  }
  return undefined;
}

/** Fits the CSV text; throws DriftInputError listing every problem. */
export function driftReport(text: string, epoch?: string): DriftReport {
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  const rows: { line: number; time: { kind: TimeKind; value: number }; value: number; u?: number }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      const ok = header.join(',') === 'time,value' || header.join(',') === 'time,value,u';
      if (!ok) problems.push(`line ${i + 1}: expected the header "time,value" or "time,value,u", got "${line}"`);
      return;
    }
    if (cells.length !== header.length) {
      problems.push(`line ${i + 1}: expected ${header.length} fields, got ${cells.length}`);
      return;
    }
    const time = parseTime(cells[0]!);
    const value = DECIMAL.test(cells[1]!) ? Number(cells[1]) : Number.NaN;
    const u = header.length === 3 ? (DECIMAL.test(cells[2]!) ? Number(cells[2]) : Number.NaN) : undefined;
    if (!time) problems.push(`line ${i + 1}: time "${cells[0]}" is neither ISO 8601 with a zone nor decimal days`);
    if (!Number.isFinite(value)) problems.push(`line ${i + 1}: value "${cells[1]}" is not a number`);
    if (u !== undefined && !(Number.isFinite(u) && u > 0)) problems.push(`line ${i + 1}: u "${cells[2]}" must be a number > 0`);
    if (time && rows.length > 0 && rows[0]!.time.kind !== time.kind) problems.push(`line ${i + 1}: mixes ISO times and decimal days`);
    if (time) rows.push(u === undefined ? { line: i + 1, time, value } : { line: i + 1, time, value, u });
  });
  if (!header) problems.push('the file is empty: expected the header "time,value" or "time,value,u"');
  if (problems.length > 0) throw new DriftInputError(problems);

  const kind = rows[0]?.time.kind ?? 'days';
  let origin: number;
  let t0: string | number;
  if (kind === 'iso') {
    if (epoch !== undefined && !ZONED_ISO.test(epoch)) throw new DriftInputError([`--epoch "${epoch}": the times are ISO 8601, so give an ISO 8601 time with a zone`]);
    origin = epoch !== undefined ? Date.parse(epoch) : rows[0]!.time.value;
    t0 = new Date(origin).toISOString();
  } else {
    if (epoch !== undefined && !DECIMAL.test(epoch)) throw new DriftInputError([`--epoch "${epoch}": the times are decimal days, so give a decimal day`]);
    origin = epoch !== undefined ? Number(epoch) : 0;
    t0 = origin;
  }

  const fit = new OnlineLinearFit({ mode: header!.length === 3 ? 'wls' : 'ols' });
  for (const r of rows) {
    const t = kind === 'iso' ? (r.time.value - origin) / DAY_MS : r.time.value - origin;
    fit.add(t, r.value, r.u);
  }
  const res = fit.result();
  if (!res) throw new DriftInputError([`need at least 3 rows with different times, got ${rows.length}`]);
  return {
    n: res.n,
    slopePerDay: res.slope,
    uSlopePerDay: res.uSlope,
    t0,
    valueAtT0: res.intercept,
    uValueAtT0: res.uIntercept,
    residualSd: res.residualSd,
    r2: res.r2,
  };
}

/** The command: prints the report as one JSON object; returns the exit code. */
export function drift(file: string, epoch?: string, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`${file}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    out(`${JSON.stringify(driftReport(text, epoch))}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof DriftInputError)) throw e;
    err(`${file}: ${e.problems.length} problem${e.problems.length > 1 ? 's' : ''}\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
}
