import { parse as parseYaml } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export interface SubstitutionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML document. A string
 * that is one reference and nothing else takes the type its value reads as in YAML (so
 * `port: ${PORT:-8080}` is a number); references inside longer strings stay text. A variable that is
 * unset and has no default is an issue at that path, reported with the others.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: SubstitutionIssue[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, issues, path);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

function substituteString(
  text: string,
  env: NodeJS.ProcessEnv,
  issues: SubstitutionIssue[],
  path: (string | number)[],
): unknown {
  if (!text.includes('${')) return text;
  const replaced = text.replace(REFERENCE, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    issues.push({ path, message: `environment variable ${name} is not set and has no default` });
    return '';
  });
  if (!WHOLE_REFERENCE.test(text)) return replaced;
  try {
    const typed: unknown = parseYaml(replaced);
    return typeof typed === 'number' || typeof typed === 'boolean' ? typed : replaced;
  } catch {
    return replaced;
  }
}
