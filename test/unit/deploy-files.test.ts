/**
 * What a lab follows to deploy (docs/operations.md, the example configuration, the systemd unit,
 * the Dockerfile and the compose file) says the same thing in each place, and the configuration
 * files work in an editor against the schema.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sealKeyPath } from '../../src/cli/preflight.js';
import { loadConfig } from '../../src/config/load.js';
import { registry } from '../../src/registry.js';

const Ajv2020 = Ajv2020Module as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } };
const read = (f: string) => readFileSync(f, 'utf8');
const TOKEN = { TRAVELGATE_API_TOKEN: 'a-token-of-sixteen-chars' };

describe('the deployment files agree with each other', () => {
  it('the seal key: where the guide makes it is where the example configuration and the unit look for it', () => {
    const lab = loadConfig('config/lab.example.yaml', registry, { ...TOKEN, TRAVELGATE_DATA_DIR: '/var/lib/travelgate' });
    if (!lab.ok) throw new Error(JSON.stringify(lab.issues));
    expect(sealKeyPath(lab.config)).toBe('/var/lib/travelgate/seal.key');
    expect(read('docs/operations.md')).toContain('keygen --out /var/lib/travelgate/seal.key');
    expect(read('deploy/travelgate.service')).toContain('Environment=TRAVELGATE_DATA_DIR=/var/lib/travelgate');
    // In the container the data folder is /data, and so is the key.
    const inDocker = loadConfig('config/lab.example.yaml', registry, { ...TOKEN, TRAVELGATE_DATA_DIR: '/data', TRAVELGATE_API_HOST: '0.0.0.0' });
    if (!inDocker.ok) throw new Error(JSON.stringify(inDocker.issues));
    expect(sealKeyPath(inDocker.config)).toBe('/data/seal.key');
    expect(inDocker.config.api.host).toBe('0.0.0.0'); // the published port reaches the API
    expect(read('deploy/docker-compose.yml')).toContain('keygen --out /data/seal.key');
  });

  it('the example configuration reads the operator token the guide tells the lab to set', () => {
    const lab = loadConfig('config/lab.example.yaml', registry, TOKEN);
    if (!lab.ok) throw new Error(JSON.stringify(lab.issues));
    expect(lab.config.api.tokens).toEqual([{ name: 'operator', token: TOKEN.TRAVELGATE_API_TOKEN, rights: ['read', 'operate'] }]);
    expect(lab.config.api.host).toBe('127.0.0.1');
    expect(read('docs/operations.md')).toMatch(/^TRAVELGATE_API_TOKEN=/m);
  });

  it('the image runs the built bundle on a mounted configuration, and its health check follows the configured port', () => {
    const docker = read('Dockerfile');
    // node, the systemd unit's Node options (the same box, the same memory budget), the compiled CLI.
    const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]!) as string[];
    const unitOptions = /^ExecStart=\/usr\/bin\/node((?:\s+--\S+)*)\s+\S*cli\.js run\b/m.exec(read('deploy/travelgate.service'))![1]!.trim().split(/\s+/);
    expect(unitOptions.length).toBeGreaterThan(0);
    expect(entry).toEqual(['node', ...unitOptions, 'dist/src/cli.js']);
    expect(docker).toMatch(/CMD \["run"\]/);
    expect(docker).toMatch(/TRAVELGATE_CONFIG=\/config\/lab\.yaml/);
    expect(docker).toMatch(/HEALTHCHECK .*CMD \["node", "dist\/src\/cli\.js", "health"\]/);
    expect(docker).not.toMatch(/127\.0\.0\.1:8080\/healthz/);
  });

  it('compose maps a serial adapter to the same /dev/serial/by-id path the configuration names', () => {
    const compose = read('deploy/docker-compose.yml');
    const mappings = [...compose.matchAll(/^\s*#?\s*-\s*(\/dev\/[^:\s]+):(\/dev\/[^:\s]+)/gm)];
    expect(mappings.length).toBeGreaterThan(0);
    for (const [, host, inside] of mappings) expect(inside).toBe(host);
  });

  it('tsx is a development dependency only', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
  });
});

describe('editor support for the configuration files', () => {
  const schema = JSON.parse(read('config/schema.json')) as object;
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

  it.each(['config/demo.yaml', 'config/lab.example.yaml'])('%s names the schema and shows no false error against it', (file) => {
    const text = read(file);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    const ok = validate(parseYaml(text));
    expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  it('accepts a ${ENV} reference where a number, a boolean or an enum goes, and still refuses a wrong value', () => {
    const base = { gateway: { id: 'g', lab: 'L' } };
    expect(validate({ ...base, api: { port: '${PORT:-8080}', requireTokenForReads: '${READS}' }, log: { level: '${LEVEL:-info}' } })).toBe(true);
    expect(validate({ ...base, api: { port: 'eighty' } })).toBe(false);
    expect(validate({ ...base, log: { level: 'loud' } })).toBe(false);
  });
});
