import { configJsonSchema } from '../config/json-schema.js';
import { registry } from '../registry.js';

/** `travelgate schema`: the configuration's JSON Schema on stdout. */
export function schema(): number {
  process.stdout.write(configJsonSchema(registry));
  return 0;
}
