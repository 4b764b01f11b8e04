/**
 * Hostile configurations through the real command (issue 12, defect 3): `check-config` and `run`
 * refuse the same files with exit 2 and `path: message` lines, never a stack trace, and `run`
 * refuses before it opens a port or writes a file (its data folder stays absent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tg-config-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function travelgate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['bin/travelgate', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dataDir = (name: string) => join(dir, `${name}-data`);

/** Lines of `text` about the same path as `line` (its text up to the first ": "): one problem, one line. */
function linesAt(text: string, line: RegExp): number {
  const path = line.source.replace(/^\^/, '').split(': ')[0]!;
  return text.split('\n').filter((l) => new RegExp(`^${path}: `).test(l)).length;
}

const CASES: Record<string, { yaml: (data: string) => string; env?: NodeJS.ProcessEnv; line: RegExp }> = {
  'an MQTT comparison with a wildcard': {
    yaml: (data) => `gateway: { id: gw, lab: L, dataDir: ${data} }
api: { port: 0 }
sinks:
  mqtt: { url: "mqtt://127.0.0.1:1", comparison: "EM-K8/#" }
`,
    line: /^sinks\.mqtt\.comparison: "EM-K8\/#" is not usable in a topic/m,
  },
  'a YAML alias bomb': {
    yaml: (data) =>
      [
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
        'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
        `gateway: { id: gw, lab: L, dataDir: ${data} }`,
      ].join('\n'),
    line: /^\(yaml\): Excessive alias count/m,
  },
  'an interval that overflows a timer': {
    yaml: (data) => `gateway: { id: gw, lab: L, dataDir: ${data} }
api: { port: 0 }
links: [ { id: l, type: tcp, host: 127.0.0.1, port: 1 } ]
devices: [ { id: d, driver: scpi, link: l, interval: 25d, options: { preset: keysight-34465a } } ]
`,
    line: /^devices\[0\]\.interval: expected a duration from 1ms to 24h/m,
  },
  'a port far out of range': {
    yaml: (data) => `gateway: { id: gw, lab: L, dataDir: ${data} }
api:
  port: \${TG_TEST_PORT}
`,
    env: { TG_TEST_PORT: '99999999999999999999' },
    line: /^api\.port: Too big: expected number to be <=65535$/m,
  },
};

describe.each(Object.entries(CASES))('%s', (name, c) => {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  const data = dataDir(name.replace(/\W+/g, '-'));
  writeFileSync(file, c.yaml(data));

  it('check-config: exit 2, one path: message line for it, no stack', () => {
    const r = travelgate(['check-config', '--config', file], c.env);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(c.line);
    expect(linesAt(r.stderr, c.line)).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('run: the same refusal before it opens a port or writes a file', () => {
    const r = travelgate(['run', '--config', file], c.env);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(c.line);
    expect(linesAt(r.stderr, c.line)).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(data)).toBe(false);
  });
});
