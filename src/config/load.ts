import { readFileSync } from 'node:fs';
import { TgError } from '../core/errors.js';
import { crossCheck } from './cross-check.js';
import { channelIssues } from './device-channels.js';
import { readConfigDocument, schemaIssueMessage, valueAt } from './document.js';
import { formatIssues, formatPath, type ConfigIssue } from './format.js';
import { buildConfigSchema, type Config, type Registry } from './schema.js';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates a configuration document (already read as text). Every problem is reported at once. */
export function parseConfig(text: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const doc = readConfigDocument(text, buildConfigSchema(registry), env);
  if (!doc.ok) return { ok: false, issues: doc.issues };
  const { raw, parsed } = doc;
  const issues = doc.issues;
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
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const key = String(issue.discriminator ?? path[path.length - 1] ?? 'type');
    const at = path[path.length - 1] === key ? path : [...path, key];
    const value = valueAt(raw, at);
    const known = key === 'driver' ? registry.drivers.map((d) => d.kind) : key === 'kind' ? registry.simulators.map((s) => s.kind) : [];
    const what = value === undefined ? `missing ${key}` : `unknown ${key} "${String(value)}"`;
    return { path: at, message: known.length ? `${what} (known: ${known.join(', ')})` : what };
  }
  return { path, message: schemaIssueMessage(issue) };
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
