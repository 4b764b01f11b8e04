import { z } from 'zod';
import { buildConfigSchema, type Registry } from './schema.js';

/** The configuration's JSON Schema (what a file may contain, so the input side of transforms). */
export function configJsonSchema(registry: Registry): string {
  const schema = z.toJSONSchema(buildConfigSchema(registry), { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'travelgate configuration' }, null, 2)}\n`;
}
