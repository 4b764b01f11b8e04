import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { TgError } from '../core/errors.js';
import { crossCheck } from './cross-check.js';
import { substituteEnv, type SubstitutionIssue } from './env.js';
import { formatIssues, formatPath, type ConfigIssue } from './format.js';
import { buildConfigSchema, type Config, type Registry } from './schema.js';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

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
  const envIssues: SubstitutionIssue[] = [];
  const raw = substituteEnv(doc.toJS(), env, envIssues);
  const issues: ConfigIssue[] = envIssues.map((i) => ({ path: formatPath(i.path), message: i.message }));

  const parsed = buildConfigSchema(registry).safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const described = describe(issue as unknown as DescribableIssue, raw, registry);
      issues.push({ path: formatPath(described.path), message: described.message });
    }
  }
  issues.push(...crossCheck(raw, registry));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, config: parsed.data as Config };
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

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
