import { parse as parseYaml } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
/** A whole reference that took a non-string YAML type: where, and its text (see `typed`). */
export interface TypedReference {
  path: (string | number)[];
  text: string;
}

export interface SubstitutionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML document. A string
 * that is one reference and nothing else takes the type its value reads as in YAML (so
 * `port: ${PORT:-8080}` is a number); each such value is listed in `typed`, so that the loader can
 * put the text back where the schema wants a string (a password of digits, a token reading
 * "true"). References inside longer strings stay text. A variable that is
 * unset and has no default is an issue at that path, reported with the others.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: SubstitutionIssue[],
  typed: TypedReference[] = [],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, issues, typed, path);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, typed, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, issues, typed, [...path, k]);
    return out;
  }
  return value;
}

function substituteString(
  text: string,
  env: NodeJS.ProcessEnv,
  issues: SubstitutionIssue[],
  typed: TypedReference[],
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
    const value: unknown = parseYaml(replaced);
    if (typeof value !== 'number' && typeof value !== 'boolean') return replaced;
    typed.push({ path, text: replaced });
    return value;
  } catch {
    return replaced;
  }
}
