import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { registry } from '../../src/registry.js';

describe('configuration files in the repository', () => {
  it('config/schema.json is what `npm run schema` generates now', () => {
    const committed = readFileSync('config/schema.json', 'utf8');
    expect(committed, 'config/schema.json is stale: run `npm run schema`').toBe(configJsonSchema(registry));
  });

  it.each(['config/demo.yaml', 'config/lab.example.yaml'])('%s is valid', (file) => {
    // lab.example.yaml reads its operator token from the environment, as a lab's does.
    const result = loadConfig(file, registry, { TRAVELGATE_API_TOKEN: 'a-token-of-sixteen-chars' });
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
