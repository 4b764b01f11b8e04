import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { TgError } from '../core/errors.js';
import { crossCheck } from './cross-check.js';
import { channelIssues } from './device-channels.js';
import { substituteEnv, type SubstitutionIssue, type TypedReference } from './env.js';
import { formatIssues, formatPath, type ConfigIssue } from './format.js';
import { buildConfigSchema, type Config, type Registry } from './schema.js';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Aliases a document may expand: a configuration has a handful at most; "billion laughs" has
 *  billions (YAML's own default lets a small file expand to hundreds of megabytes). */
const MAX_ALIAS_COUNT = 100;

/** Validates a configuration document (already read as text). Every problem is reported at once. */
export function parseConfig(text: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // Only the first syntax error: the ones after it are usually its echoes.
      issues: doc.errors.slice(0, 1).map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '(yaml)',
        message: e.message.split('\n')[0]!,
      })),
    };
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
  const raw = substituteEnv(js, env, envIssues, typed);
  const issues: ConfigIssue[] = envIssues.map((i) => ({ path: formatPath(i.path), message: i.message }));

  const schema = buildConfigSchema(registry);
  let parsed = schema.safeParse(raw ?? {});
  // A value from the environment that reads as a number or boolean stays text where the schema
  // wants text: a password of digits, a token reading "true" (quoted in the file or not).
  if (!parsed.success && typed.length > 0 && restoreText(raw, typed, parsed.error.issues)) parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const described = describe(issue as unknown as DescribableIssue, raw, registry);
      issues.push({ path: formatPath(described.path), message: described.message });
    }
  }
  issues.push(...crossCheck(raw, registry));
  if (parsed.success) issues.push(...channelIssues(parsed.data as Config, registry));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, config: parsed.data as Config };
}

/** Puts the text back at each typed reference whose value the schema refused for not being a
 *  string; true when it changed anything. */
function restoreText(raw: unknown, typed: readonly TypedReference[], issues: readonly { code: string; path: PropertyKey[]; expected?: unknown }[]): boolean {
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


export function loadConfig(file: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: file, message: (err as Error).message }] };
  }
  return parseConfig(text, registry, env);
}

/** Loads a configuration or throws TG_CONFIG_INVALID with every issue in the message. */
export function loadConfigOrThrow(file: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): Config {
  const result = loadConfig(file, registry, env);
  if (!result.ok) throw new TgError('TG_CONFIG_INVALID', `\n${formatIssues(result.issues)}`);
  return result.config;
}

interface DescribableIssue {
  code: string;
  message: string;
  [k: string]: unknown;
}

/** Rewords the issues whose default text would not tell a lab user what to change. */
function describe(issue: DescribableIssue, raw: unknown, registry: Registry): { path: PropertyKey[]; message: string } {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys))
    return { path, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${String(k)}"`).join(', ')}` };
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const key = String(issue.discriminator ?? path[path.length - 1] ?? 'type');
    const at = path[path.length - 1] === key ? path : [...path, key];
    const value = valueAt(raw, at);
    const known = key === 'driver' ? registry.drivers.map((d) => d.kind) : key === 'kind' ? registry.simulators.map((s) => s.kind) : [];
    const what = value === undefined ? `missing ${key}` : `unknown ${key} "${String(value)}"`;
    return { path: at, message: known.length ? `${what} (known: ${known.join(', ')})` : what };
  }
  return { path, message: issue.message };
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Zod's own bound of an integer (the safe-integer range), reported beside the field's real bound. */
const SAFE_INTEGER_BOUND = /^Too (big|small): expected int to be [<>]=-?9007199254740991$/;

/** One issue per path and message; a safe-integer bound is dropped when its path has another issue. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const perPath = new Map<string, number>();
  for (const i of issues) perPath.set(i.path, (perPath.get(i.path) ?? 0) + 1);
  return issues.filter((i) => {
    if (SAFE_INTEGER_BOUND.test(i.message) && perPath.get(i.path)! > 1) return false;
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
