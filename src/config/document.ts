import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { substituteEnv, type SubstitutionIssue, type TypedReference } from './env.js';
import { formatPath, type ConfigIssue } from './format.js';

/** Aliases a document may expand: a configuration has a handful at most; "billion laughs" has
 *  billions (YAML's own default lets a small file expand to hundreds of megabytes). */
const MAX_ALIAS_COUNT = 100;

export type SchemaIssue = z.core.$ZodIssue;

/** What a configuration document gave: the values after `${ENV}` substitution (`raw`), the
 *  schema's verdict on them, and the problems found before the schema (in the environment). */
export type ConfigDocument<T> =
  | { ok: true; raw: unknown; parsed: z.ZodSafeParseResult<T>; issues: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Reads a YAML configuration for `schema`, the steps the gateway's and the pilot's configurations
 * share: YAML syntax (the first error only: the ones after it are usually its echoes), a bound on
 * alias expansion, `${ENV}` substitution, validation; and a value from the environment that reads
 * as a number or boolean stays text where the schema wants text (a password of digits, a token
 * reading "true", quoted in the file or not).
 */
export function readConfigDocument<T>(text: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv): ConfigDocument<T> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { ok: false, issues: [{ path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '(yaml)', message: e.message.split('\n')[0]! }] };
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Excessive alias expansion (a "billion laughs" file), an alias to nothing, ...
    return { ok: false, issues: [{ path: '(yaml)', message: (err as Error).message.split('\n')[0]! }] };
  }
  const envIssues: SubstitutionIssue[] = [];
  const typed: TypedReference[] = [];
  const raw = substituteEnv(js, env, envIssues, typed) ?? {};
  let parsed = schema.safeParse(raw);
  if (!parsed.success && typed.length > 0 && restoreText(raw, typed, parsed.error.issues)) parsed = schema.safeParse(raw);
  return { ok: true, raw, parsed, issues: envIssues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}

/** Puts the text back at each typed reference whose value the schema refused for not being a
 *  string; true when it changed anything. */
function restoreText(raw: unknown, typed: readonly TypedReference[], issues: readonly SchemaIssue[]): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || issue.expected !== 'string') continue;
    const at = formatPath(issue.path);
    const ref = typed.find((t) => formatPath(t.path) === at);
    if (!ref || ref.path.length === 0) continue;
    const parent = valueAt(raw, ref.path.slice(0, -1)) as Record<PropertyKey, unknown> | undefined;
    if (parent && typeof parent === 'object') {
      parent[ref.path[ref.path.length - 1]!] = ref.text;
      changed = true;
    }
  }
  return changed;
}

/** The value at `path` in a parsed document, if any. */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A schema issue as a lab user reads it: unknown keys named, otherwise zod's own message. */
export function schemaIssueMessage(issue: { code: string; message: string; keys?: unknown }): string {
  const keys = issue.keys;
  if (issue.code === 'unrecognized_keys' && Array.isArray(keys)) return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${String(k)}"`).join(', ')}`;
  return issue.message;
}
