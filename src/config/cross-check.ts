import type { Registry } from './schema.js';
import type { ConfigIssue } from './format.js';
import { crossCheckStandards } from '../checks/cross-check.js';
import { topicLevelProblem } from '../sinks/mqtt/topics.js';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (v: unknown): [number, Raw][] =>
  Array.isArray(v) ? v.flatMap((e, i) => (isObject(e) ? [[i, e] as [number, Raw]] : [])) : [];

/**
 * The checks one entry's schema cannot make: references between entries and unique ids. They run
 * on the raw document, so they are reported together with the schema's own issues.
 */
export function crossCheck(raw: unknown, registry: Registry): ConfigIssue[] {
  if (!isObject(raw)) return [];
  const issues: ConfigIssue[] = [];
  const links = entries(raw.links);
  const devices = entries(raw.devices);
  const simulators = entries(raw.simulators);

  const unique = (list: [number, Raw][], section: string) => {
    const seen = new Map<unknown, number>();
    for (const [i, e] of list) {
      if (typeof e.id !== 'string') continue;
      const first = seen.get(e.id);
      if (first !== undefined) issues.push({ path: `${section}[${i}].id`, message: `duplicate id "${e.id}" (also ${section}[${first}])` });
      else seen.set(e.id, i);
    }
  };
  unique(links, 'links');
  unique(devices, 'devices');
  unique(simulators, 'simulators');

  const linkById = new Map(links.map(([, l]) => [l.id, l]));
  const simulatorIds = new Set(simulators.map(([, s]) => s.id));
  for (const [i, link] of links) {
    if (link.type !== 'tcp' && link.type !== 'modbus-tcp') continue;
    const hasAddress = link.host !== undefined || link.port !== undefined;
    if (link.simulator !== undefined) {
      if (hasAddress) issues.push({ path: `links[${i}]`, message: 'give either host and port or simulator, not both' });
      if (!simulatorIds.has(link.simulator)) issues.push({ path: `links[${i}].simulator`, message: `unknown simulator "${String(link.simulator)}"` });
    } else {
      if (link.host === undefined) issues.push({ path: `links[${i}].host`, message: 'required (or name a simulator)' });
      if (link.port === undefined && link.type === 'tcp') issues.push({ path: `links[${i}].port`, message: 'required (or name a simulator)' });
    }
  }

  const drivers = new Map(registry.drivers.map((d) => [d.kind, d]));
  for (const [i, device] of devices) {
    if (typeof device.link !== 'string') continue;
    const link = linkById.get(device.link);
    if (!link) {
      issues.push({ path: `devices[${i}].link`, message: `unknown link "${device.link}"` });
      continue;
    }
    const def = typeof device.driver === 'string' ? drivers.get(device.driver) : undefined;
    const linkKind = link.type === 'modbus-rtu' || link.type === 'modbus-tcp' ? 'registers' : 'line';
    if (def && def.linkKind !== linkKind)
      issues.push({ path: `devices[${i}].link`, message: `driver "${def.kind}" needs a ${def.linkKind} link; "${device.link}" is ${String(link.type)}` });
    else if (def?.linkTypes && !def.linkTypes.includes(String(link.type)))
      issues.push({ path: `devices[${i}].link`, message: `driver "${def.kind}" needs a link of type ${def.linkTypes.join(' or ')}; "${device.link}" is ${String(link.type)}` });
  }
  issues.push(...crossCheckStandards(raw.standards, new Set(devices.map(([, d]) => d.id))));
  issues.push(...crossCheckMqtt(raw));
  return issues;
}

/** The MQTT sink's topic levels, checked here so that `run` never fails on them after it started:
 *  the comparison (sinks.mqtt.comparison, else gateway.comparison) and the prefix. */
function crossCheckMqtt(raw: Raw): ConfigIssue[] {
  const mqtt = isObject(raw.sinks) ? raw.sinks.mqtt : undefined;
  if (!isObject(mqtt) || typeof mqtt.url !== 'string' || mqtt.url === '') return [];
  const issues: ConfigIssue[] = [];
  const gateway = isObject(raw.gateway) ? raw.gateway : {};
  const own = typeof mqtt.comparison === 'string';
  const comparison = own ? mqtt.comparison : gateway.comparison;
  const at = own ? 'sinks.mqtt.comparison' : 'gateway.comparison';
  if (typeof comparison !== 'string') {
    issues.push({ path: 'sinks.mqtt.comparison', message: 'required when the MQTT sink is on (it is a topic level): set it or gateway.comparison' });
  } else {
    const problem = topicLevelProblem(comparison, false);
    if (problem) issues.push({ path: at, message: `"${comparison}" ${problem}` });
  }
  if (typeof mqtt.topicPrefix === 'string') {
    const problem = topicLevelProblem(mqtt.topicPrefix, true);
    if (problem) issues.push({ path: 'sinks.mqtt.topicPrefix', message: `"${mqtt.topicPrefix}" ${problem}` });
  }
  return issues;
}
