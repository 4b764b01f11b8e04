/**
 * A standard must name channels its devices give: a measurand naming a channel the device does
 * not have would pass every other check and then never get a reading.
 *
 * Contract: run on the validated configuration (device options parsed by their drivers). For each
 * standard's measurand, thermistor and environment channels, a device whose driver knows its
 * channels (`DriverDefinition.channels`, or the plan of a line instrument) and does not list the
 * one named is an issue at that path, with the channels it does have. A driver that cannot know
 * is not judged.
 */
import type { DriverDefinition } from '../core/driver.js';
import type { ConfigIssue } from './format.js';
import type { Config, Registry } from './schema.js';

/** A line instrument made by drivers/shared/line-instrument.ts carries its definition, whose
 *  plan names the channels it measures. */
interface PlannedInstrument {
  instrument?: { plan?(options: unknown): { measure?: readonly { channel: string }[] } };
}

/** The channels a device with these options gives: the driver's `channels`, else its plan's. */
export function knownChannels(def: DriverDefinition, options: unknown): readonly string[] | undefined {
  try {
    if (def.channels) return def.channels(options as never);
    const plan = (def as PlannedInstrument).instrument?.plan?.(options);
    return plan?.measure?.map((m) => m.channel);
  } catch {
    return undefined;
  }
}

export function channelIssues(config: Config, registry: Registry): ConfigIssue[] {
  const drivers = new Map(registry.drivers.map((d) => [d.kind, d]));
  const channelsOf = new Map<string, readonly string[] | undefined>();
  for (const d of config.devices) {
    const def = drivers.get(d.driver);
    channelsOf.set(d.id, def ? knownChannels(def, d.options) : undefined);
  }
  const issues: ConfigIssue[] = [];
  const check = (path: string, ref: { device: string; channel: string } | undefined) => {
    if (!ref || !channelsOf.has(ref.device)) return; // unknown devices are reported elsewhere
    const list = channelsOf.get(ref.device);
    if (!list || list.includes(ref.channel)) return;
    issues.push({
      path: `${path}.channel`,
      message: `device "${ref.device}" has no channel "${ref.channel}" (its channels: ${list.join(', ')}); the standard would never get a reading`,
    });
  };
  (config.standards ?? []).forEach((s, i) => {
    const at = `standards[${i}]`;
    check(`${at}.measurand`, s.measurand);
    check(`${at}.thermistor`, s.thermistor);
    for (const q of ['temperature', 'humidity', 'pressure'] as const) check(`${at}.environment.${q}`, s.environment[q]);
  });
  return issues;
}
