import { REGISTER_COUNT, wireAddress, type RegisterSpec } from './registers.js';

/**
 * Request planning, pure: which read requests fetch a register map.
 *
 * Entries with the same function code whose registers are contiguous (or at most `maxGap`
 * registers apart, or overlapping) share one request, as long as the request stays within
 * `maxRegistersPerRequest`. An entry is never split: a multi-register value is always read in one
 * transaction (a float read in two halves could mix two different samples).
 */

export interface PlanOptions {
  /** At most this many registers per request (Modbus allows 125 for FC 3/4). */
  maxRegistersPerRequest: number;
  /** Unused registers a request may read across to join two entries (0 = only contiguous ones). */
  maxGap: number;
}

export interface PlannedEntry {
  /** Index of the entry in the register map. */
  index: number;
  spec: RegisterSpec;
  /** Offset of the entry's first register within the request's registers. */
  offset: number;
  count: number;
}

export interface PlannedRequest {
  fc: 3 | 4;
  /** Wire address (0-based) of the first register. */
  address: number;
  count: number;
  entries: PlannedEntry[];
}

export function planRequests(specs: readonly RegisterSpec[], opts: PlanOptions): PlannedRequest[] {
  const max = opts.maxRegistersPerRequest;
  const items = specs
    .map((spec, index) => ({ spec, index, address: wireAddress(spec), count: REGISTER_COUNT[spec.type] }))
    .sort((a, b) => a.spec.function - b.spec.function || a.address - b.address || b.count - a.count || a.index - b.index);

  const requests: PlannedRequest[] = [];
  let current: { fc: 3 | 4; start: number; end: number; items: typeof items } | undefined;
  const flush = () => {
    if (!current) return;
    requests.push({
      fc: current.fc,
      address: current.start,
      count: current.end - current.start,
      entries: current.items
        .map((i) => ({ index: i.index, spec: i.spec, offset: i.address - current!.start, count: i.count }))
        .sort((a, b) => a.index - b.index),
    });
    current = undefined;
  };

  for (const item of items) {
    if (item.count > max) throw new RangeError(`${item.spec.channel}: a ${item.spec.type} needs ${item.count} registers, more than ${max} per request`);
    const end = item.address + item.count;
    if (
      current &&
      current.fc === item.spec.function &&
      item.address - current.end <= opts.maxGap &&
      Math.max(current.end, end) - current.start <= max
    ) {
      current.end = Math.max(current.end, end);
      current.items.push(item);
      continue;
    }
    flush();
    current = { fc: item.spec.function, start: item.address, end, items: [item] };
  }
  flush();
  return requests;
}
