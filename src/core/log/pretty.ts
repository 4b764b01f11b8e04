/**
 * Human-readable log lines for a terminal: pino's JSON lines turned into
 *
 *   12:00:03.123 INFO  [checks] zener-732b-1234: in_transit -> settling by operator  seq=123
 *
 * Contract:
 * - `prettyLine(json)` formats one pino line: UTC time of day, level, the line's `component` (and
 *   `device`, `sink`, `link` or `standard`) in brackets, the message, then the other fields as
 *   key=value; an `err` prints its message and its stack on indented lines below. A line that is
 *   not JSON is passed through as it is.
 * - `prettyStream(out, { color })` is a pino destination (anything with `write(line)`): it writes
 *   each formatted line to `out` synchronously, so a fatal line is on the terminal before an exit.
 * - Only used when the output is a terminal (or the configuration asks for it): services and
 *   pipes get pino's JSON, one object a line.
 */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[36m' },
  30: { name: 'INFO ', color: '\x1b[32m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[41m\x1b[97m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, or that the prefix already shows. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component', 'err', 'v']);
const TAGS = ['device', 'sink', 'link', 'standard'] as const;

function timeOfDay(t: unknown): string {
  const d = typeof t === 'number' ? new Date(t) : typeof t === 'string' ? new Date(t) : new Date();
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().slice(11, 23);
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

export function prettyLine(json: string, options: { color?: boolean } = {}): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  if (o === null || typeof o !== 'object') return json.endsWith('\n') ? json : `${json}\n`;
  const color = options.color === true;
  const level = LEVELS[Number(o.level)] ?? { name: String(o.level).toUpperCase().padEnd(5), color: '' };
  const tags: string[] = [];
  if (typeof o.component === 'string') tags.push(o.component);
  const shown = new Set<string>();
  for (const t of TAGS) {
    if (typeof o[t] === 'string') {
      tags.push(o[t] as string);
      shown.add(t);
    }
  }
  const fields = Object.entries(o)
    .filter(([k, v]) => !HIDDEN.has(k) && !shown.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  const lvl = color ? `${level.color}${level.name}${RESET}` : level.name;
  const time = color ? `${DIM}${timeOfDay(o.time)}${RESET}` : timeOfDay(o.time);
  const prefix = tags.length > 0 ? `[${tags.join(' ')}] ` : '';
  const rest = fields.length > 0 ? (color ? `  ${DIM}${fields.join(' ')}${RESET}` : `  ${fields.join(' ')}`) : '';
  let line = `${time} ${lvl} ${prefix}${typeof o.msg === 'string' ? o.msg : ''}${rest}\n`;
  const err = o.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : typeof err.message === 'string' ? err.message : JSON.stringify(err);
    const text = stack
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    line += color ? `${DIM}${text}${RESET}\n` : `${text}\n`;
  }
  return line;
}

export interface LineWritable {
  write(chunk: string): unknown;
}

/** A pino destination that writes formatted lines to `out` (default: stdout). */
export function prettyStream(out: LineWritable = process.stdout, options: { color?: boolean } = {}): { write(line: string): boolean } {
  return {
    write(line: string): boolean {
      // pino may hand over several lines at once (flushes); format each.
      for (const one of line.split('\n')) if (one.length > 0) out.write(prettyLine(one, options));
      return true;
    },
  };
}
