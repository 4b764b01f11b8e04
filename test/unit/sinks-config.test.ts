import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { registry } from '../../src/registry.js';
import { configuredSinkNames, createSinks, sinksConfig } from '../../src/sinks/index.js';

const demo = readFileSync('config/demo.yaml', 'utf8');
const gateway = { id: 'gw-1', lab: 'PTB', comparison: 'EURAMET.EM-K8' };

describe('sinks configuration', () => {
  it('the demo runs without sinks unless TRAVELGATE_INFLUX_URL / TRAVELGATE_MQTT_URL are set', () => {
    const off = parseConfig(demo, registry, {});
    expect(off.ok && configuredSinkNames(off.config.sinks)).toEqual([]);
    const on = parseConfig(demo, registry, { TRAVELGATE_INFLUX_URL: 'http://127.0.0.1:8086', TRAVELGATE_MQTT_URL: 'mqtt://127.0.0.1:1883' });
    expect(on.ok).toBe(true);
    if (!on.ok) return;
    expect(configuredSinkNames(on.config.sinks)).toEqual(['influx', 'mqtt']);
    expect(on.config.sinks.influx).toMatchObject({ database: 'travelgate', batchSize: 5000, flushInterval: 250 });
    expect(on.config.sinks.mqtt).toMatchObject({ topicPrefix: 'travelgate', inflight: 16, linger: 20, messageRecords: 200 });
    expect(on.config.journal).toMatchObject({ maxSize: 1_000_000_000, fullPolicy: 'stop' });
  });

  it('an empty url is off; a wrong scheme is reported at its path', () => {
    expect(configuredSinkNames(sinksConfig.parse({ influx: { url: '' }, mqtt: { url: '' } }))).toEqual([]);
    const bad = parseConfig('gateway: { id: g, lab: L }\nsinks: { mqtt: { url: "http://broker" } }\n', registry, {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.some((i) => i.path.startsWith('sinks.mqtt.url'))).toBe(true);
  });

  it('journal.maxSize takes sizes with units; fullPolicy is stop or drop_oldest', () => {
    const ok = parseConfig('gateway: { id: g, lab: L }\njournal: { maxSize: 2GiB, fullPolicy: drop_oldest }\n', registry, {});
    expect(ok.ok && ok.config.journal).toMatchObject({ maxSize: 2 * 1024 ** 3, fullPolicy: 'drop_oldest' });
    const bad = parseConfig('gateway: { id: g, lab: L }\njournal: { maxSize: lots, fullPolicy: panic }\n', registry, {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['journal.maxSize', 'journal.fullPolicy']));
  });

  it('the MQTT sink needs a comparison for its topics, and readable TLS files (named, never shown)', () => {
    const mqtt = sinksConfig.parse({ mqtt: { url: 'mqtts://platform:8883' } });
    expect(() => createSinks(mqtt, { id: 'gw-1', lab: 'PTB' }, silentLogger())).toThrow(/comparison/);
    const tls = sinksConfig.parse({ mqtt: { url: 'mqtts://platform:8883', ca: '/nonexistent/ca.pem' } });
    expect(() => createSinks(tls, gateway, silentLogger())).toThrow(/sinks\.mqtt\.ca: cannot read \/nonexistent\/ca\.pem/);
    const sinks = createSinks(sinksConfig.parse({ influx: { url: 'http://u:pw@influx:8086' }, mqtt: { url: 'mqtt://b:1883' } }), gateway, silentLogger());
    expect(sinks.map((s) => [s.name, s.batchSize, s.flushIntervalMs])).toEqual([
      ['influx', 5000, 250],
      ['mqtt', 1000, 20],
    ]);
  });
});
