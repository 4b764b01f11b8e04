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
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
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
    for (const issue of parsed.error.issues) issues.push({ path: formatPath(issue.path), message: describe(issue) });
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

function describe(issue: { code: string; message: string; [k: string]: unknown }): string {
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys))
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${String(k)}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const d = String(issue.discriminator ?? 'type');
    return `unknown or missing ${d}`;
  }
  return issue.message;
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
