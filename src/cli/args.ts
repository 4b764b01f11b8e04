/**
 * The command line's thin layer over node:util `parseArgs` (no dependency, nothing loaded at
 * start but the command table): each command declares its options and positionals once, and
 * from that declaration come its parsing (strict: an unknown option or a missing value is a
 * UsageError, exit 2), its `--help` text and the overview of `travelgate --help`.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help, e.g. FILE. */
  arg?: string;
  help: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec {
  name: string;
  /** One line for the overview. */
  summary: string;
  /** What follows `travelgate <name>` in the usage line. */
  usage: string;
  /** The help text's body (a few sentences). */
  description: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed: [min, max]. Default none. */
  positionals?: [number, number];
  run(values: Values, positionals: string[]): Promise<number>;
}

/** A mistake on the command line: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/** Parses a command's arguments; throws UsageError with a message a user can act on. */
export function parseCommand(spec: CommandSpec, args: string[]): { values: Values; positionals: string[]; help: boolean } {
  const options = { ...spec.options, help: HELP };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
      ),
    });
  } catch (err) {
    throw new UsageError(describeParseError(err, args), spec.name);
  }
  const values = parsed.values as Values;
  if (values.help === true) return { values, positionals: parsed.positionals, help: true };
  const [min, max] = spec.positionals ?? [0, 0];
  const n = parsed.positionals.length;
  if (n > max) throw new UsageError(`unexpected argument${n - max > 1 ? 's' : ''} ${parsed.positionals.slice(max).map((p) => `"${p}"`).join(' ')}`, spec.name);
  if (n < min) throw new UsageError(`missing argument: ${spec.usage}`, spec.name);
  return { values, positionals: parsed.positionals, help: false };
}

function describeParseError(err: unknown, args: string[]): string {
  const e = err as { code?: string; message?: string };
  // Node's messages quote the option as '-o, --out <value>' or '--foo'.
  const quoted = /'(?:-\w, )?(--?[\w-]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? args.find((a) => a.startsWith('-')) ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return quoted && /argument missing/.test(e.message ?? '')
        ? `${quoted} needs a value`
        : `${quoted ?? 'an option'} takes no value`;
    default:
      return e.message ?? String(err);
  }
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries({ ...options, help: HELP }).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.arg ? ` ${o.arg}` : ''}`,
    o.help + (o.multiple ? ' (may be repeated)' : ''),
  ]);
  const width = Math.max(...rows.map(([l]) => l!.length)) + 2;
  return rows.map(([l, h]) => `  ${l!.padEnd(width)}${h}`);
}

export function commandHelp(spec: CommandSpec): string {
  return [`usage: travelgate ${spec.name}${spec.usage ? ` ${spec.usage}` : ''}`, '', wrap(spec.description), '', 'options:', ...optionLines(spec.options), ''].join('\n');
}

export function overview(specs: readonly CommandSpec[], version: string): string {
  const width = Math.max(...specs.map((s) => s.name.length)) + 2;
  return [
    `travelgate ${version}: data-acquisition gateway for travelling transfer standards`,
    '',
    'usage: travelgate <command> [options]',
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    '',
    'travelgate <command> --help     what a command does and its options',
    'travelgate --version, -V        the version',
    '',
  ].join('\n');
}

/** Wraps prose at 100 columns, keeping blank lines and indented lines as they are. */
function wrap(text: string, width = 100): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith(' ') || line.length <= width) return line;
      const out: string[] = [];
      let cur = '';
      for (const word of line.split(' ')) {
        if (cur && cur.length + 1 + word.length > width) {
          out.push(cur);
          cur = word;
        } else cur = cur ? `${cur} ${word}` : word;
      }
      if (cur) out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}
