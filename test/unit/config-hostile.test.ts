/**
 * Hostile configurations (issue 12, defects 2 and 3): durations beyond what a timer can hold or
 * that make no sense, MQTT topic levels with wildcards, a YAML alias bomb, secrets from the
 * environment that look like numbers, an out-of-range port. Each is a `path: message` issue from
 * the same validation `check-config` and `run` use; none throws.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { registry } from '../../src/registry.js';
import { testRegistry } from '../helpers/test-registry.js';

const BASE = `
gateway: { id: gw-1, lab: PTB, dataDir: /tmp/tg }
links:
  - { id: lan-1, type: tcp, host: 192.0.2.10, port: 5025 }
devices:
  - { id: dmm, driver: probe, link: lan-1 }
`;

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}, reg = testRegistry): string[] {
  const r = parseConfig(text, reg, env);
  if (r.ok) throw new Error('expected the configuration to be invalid');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

function configOf(text: string, env: NodeJS.ProcessEnv = {}) {
  const r = parseConfig(text, testRegistry, env);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

const device = (extra: string) => BASE.replace('{ id: dmm, driver: probe, link: lan-1 }', `{ id: dmm, driver: probe, link: lan-1, ${extra} }`);

describe('durations are bounded, with the limits in the message', () => {
  it('an interval beyond 24 h is refused (25d would overflow a timer)', () => {
    expect(issuesOf(device('interval: 25d'))).toEqual([
      'devices[0].interval: expected a duration from 1ms to 24h, or 0 (back to back: the next request as soon as the reply is in)',
    ]);
  });

  it('interval 0 stays "back to back"; 24h and 1ms are fine', () => {
    expect(configOf(device('interval: 0')).devices[0]!.interval).toBe(0);
    expect(configOf(device('interval: 0s')).devices[0]!.interval).toBe(0);
    expect(configOf(device('interval: 24h')).devices[0]!.interval).toBe(86_400_000);
    expect(configOf(device('interval: 1ms')).devices[0]!.interval).toBe(1);
  });

  it('a timeout of 0 is refused (it could never give a reading), and so is one beyond an hour', () => {
    expect(issuesOf(device('timeout: 0s'))).toEqual(['devices[0].timeout: expected a duration from 1ms to 1h']);
    expect(issuesOf(device('timeout: 0'))).toEqual(['devices[0].timeout: expected a duration from 1ms to 1h']);
    expect(issuesOf(device('timeout: 2h'))).toEqual(['devices[0].timeout: expected a duration from 1ms to 1h']);
  });

  it('a link reconnect backoff whose max is below its initial delay, or beyond a day', () => {
    const text = BASE.replace('port: 5025 }', 'port: 5025, reconnect: { initial: 10s, max: 2s } }');
    expect(issuesOf(text)).toEqual(['links[0].reconnect.max: must be at least `initial`']);
    const huge = BASE.replace('port: 5025 }', 'port: 5025, reconnect: { initial: 1s, max: 30d } }');
    expect(issuesOf(huge)).toEqual(['links[0].reconnect.max: expected a duration from 1ms to 24h']);
  });

  it('sink and journal timers are bounded too', () => {
    const text = `${BASE}
journal: { commitInterval: 1h }
sinks:
  influx: { url: "http://127.0.0.1:8086", timeout: 0, flushInterval: 30d }
  mqtt: { url: "mqtt://127.0.0.1:1883", comparison: K8, keepalive: 100d, retry: { initial: 1s, max: 90d } }
`;
    expect(issuesOf(text).sort()).toEqual(
      [
        'journal.commitInterval: expected a duration from 0ms to 10s',
        'sinks.influx.timeout: expected a duration from 1ms to 1h',
        'sinks.influx.flushInterval: expected a duration from 0ms to 1h',
        'sinks.mqtt.keepalive: expected a duration from 1s to 65535s',
        'sinks.mqtt.retry.max: expected a duration from 1ms to 24h',
      ].sort(),
    );
  });

  it('a number of milliseconds that is infinite or negative is refused', () => {
    expect(issuesOf(device('interval: .inf'))[0]).toMatch(/^devices\[0\]\.interval: /);
    expect(issuesOf(device('interval: -5'))[0]).toMatch(/^devices\[0\]\.interval: /);
  });
});

describe('MQTT topic levels are checked with the rest', () => {
  const mqtt = (comparison: string) => `${BASE}
sinks:
  mqtt: { url: "mqtt://127.0.0.1:1883", comparison: "${comparison}" }
`;
  it.each(['EM+K8', 'EM/#', '#', 'a/b'])('comparison %j is refused before anything starts', (comparison) => {
    expect(issuesOf(mqtt(comparison))).toEqual([expect.stringMatching(/^sinks\.mqtt\.comparison: ".*" is not usable in a topic/)]);
  });

  it('a comparison from gateway.comparison is checked at its own path; a missing one is named', () => {
    const fromGateway = `${BASE.replace('lab: PTB,', 'lab: PTB, comparison: "K+8",')}
sinks:
  mqtt: { url: "mqtt://127.0.0.1:1883" }
`;
    expect(issuesOf(fromGateway)).toEqual([expect.stringMatching(/^gateway\.comparison: "K\+8" is not usable in a topic/)]);
    const missing = `${BASE}
sinks:
  mqtt: { url: "mqtt://127.0.0.1:1883" }
`;
    expect(issuesOf(missing)).toEqual([expect.stringMatching(/^sinks\.mqtt\.comparison: required when the MQTT sink is on/)]);
  });

  it('a sink that is off is not checked', () => {
    expect(configOf(`${BASE}\nsinks:\n  mqtt: { url: "", comparison: "#" }\n`).sinks.mqtt?.url).toBe('');
  });
});

describe('YAML', () => {
  it('an alias bomb is an issue, not a stack trace or a gigabyte of memory', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'gateway: { id: g, lab: L }',
    ].join('\n');
    const issues = issuesOf(bomb, {}, registry);
    expect(issues).toEqual([expect.stringMatching(/^\(yaml\): Excessive alias count/)]);
  });

  it('a few aliases are still fine', () => {
    const text = BASE.replace('{ id: dmm, driver: probe, link: lan-1 }', '{ id: dmm, driver: probe, link: lan-1, timeout: &t 3s, interval: *t }');
    expect(configOf(text).devices[0]).toMatchObject({ timeout: 3000, interval: 3000 });
  });
});

describe('secrets from the environment stay text', () => {
  const withToken = (value: string) =>
    BASE.replace('dataDir: /tmp/tg }', `dataDir: /tmp/tg }\napi:\n  tokens:\n    - name: op\n      token: ${value}`);

  it('a reference whose value reads as a number or boolean stays text where text is wanted, quoted or not', () => {
    for (const value of ['12345678901234567890', '1234567890123456', '1e400000000000000', '0x1F000000000000', '0o17000000000000']) {
      for (const ref of ['"${TG_TOKEN}"', "'${TG_TOKEN}'", '${TG_TOKEN}']) {
        const c = configOf(withToken(ref), { TG_TOKEN: value });
        expect(c.api.tokens[0]!.token, `${ref} = ${value}`).toBe(value);
      }
    }
    const influx = `${BASE}\nsinks:\n  influx: { url: "http://127.0.0.1:8086", password: "\${PW}", username: "\${USER}" }\n`;
    expect(configOf(influx, { PW: '000123', USER: 'false' }).sinks.influx).toMatchObject({ password: '000123', username: 'false' });
  });

  it('an unquoted reference still takes its YAML type (port: ${PORT})', () => {
    const text = BASE.replace('dataDir: /tmp/tg }', 'dataDir: /tmp/tg }\napi:\n  port: ${PORT:-8080}');
    expect(configOf(text, { PORT: '9090' }).api.port).toBe(9090);
    expect(configOf(text, {}).api.port).toBe(8080);
  });
});

describe('one problem, one line', () => {
  it('a port far too big is reported once, with its real bound', () => {
    const text = BASE.replace('dataDir: /tmp/tg }', 'dataDir: /tmp/tg }\napi: { port: 99999999999999999999 }');
    expect(issuesOf(text)).toEqual(['api.port: Too big: expected number to be <=65535']);
  });
});
