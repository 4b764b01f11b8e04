import { z } from 'zod';
import { buildConfigSchema, type Registry } from './schema.js';

type Node = Record<string, unknown>;

/** A value that is one `${NAME}` or `${NAME:-default}` reference (substituted before validation,
 *  taking the type its value reads as: `port: ${PORT:-8080}` is a number). */
const WHOLE_REFERENCE: Node = {
  type: 'string',
  pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$',
  description: '${NAME} or ${NAME:-default}: replaced from the environment before validation',
};
/** A string holding a reference somewhere (`${TRAVELGATE_DATA_DIR}/journal.sqlite`). */
const CONTAINS_REFERENCE: Node = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  description: 'a value with ${NAME} or ${NAME:-default}, replaced from the environment before validation',
};

const CHILDREN = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const SINGLE = ['items', 'additionalProperties', 'not', 'propertyNames'] as const;
const MAPS = ['properties', '$defs', 'definitions', 'patternProperties'] as const;

/**
 * Lets the schema accept `${ENV}` references where the loader substitutes them (every string value
 * of the file, src/config/env.ts), so an editor does not flag `port: ${TRAVELGATE_API_PORT:-8080}`:
 * a number, integer or boolean also accepts one whole reference; a string with an enum, a pattern
 * or a format also accepts a string containing one. The real check runs after substitution.
 * Discriminators (`const`) stay as they are.
 */
export function acceptEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(acceptEnvReferences);
  if (node === null || typeof node !== 'object') return node;
  const n: Node = { ...(node as Node) };
  for (const k of CHILDREN) if (Array.isArray(n[k])) n[k] = (n[k] as unknown[]).map(acceptEnvReferences);
  for (const k of SINGLE) if (n[k] && typeof n[k] === 'object') n[k] = acceptEnvReferences(n[k]);
  for (const k of MAPS) {
    if (n[k] && typeof n[k] === 'object') n[k] = Object.fromEntries(Object.entries(n[k] as Node).map(([key, v]) => [key, acceptEnvReferences(v)]));
  }
  if ('const' in n) return n;
  const t = n.type;
  let alternative: Node | undefined;
  if (t === 'number' || t === 'integer' || t === 'boolean') alternative = WHOLE_REFERENCE;
  else if ((t === 'string' || t === undefined) && ('enum' in n || 'pattern' in n || 'format' in n)) alternative = CONTAINS_REFERENCE;
  if (!alternative) return n;
  const { description, default: dflt, ...rest } = n;
  return { ...(description !== undefined ? { description } : {}), ...(dflt !== undefined ? { default: dflt } : {}), anyOf: [rest, alternative] };
}

/** The configuration's JSON Schema (what a file may contain, so the input side of transforms). */
export function configJsonSchema(registry: Registry): string {
  const schema = z.toJSONSchema(buildConfigSchema(registry), { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...(acceptEnvReferences(schema) as Node), title: 'travelgate configuration' }, null, 2)}\n`;
}
