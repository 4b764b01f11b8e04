import { z } from 'zod';
import { PROFILE_NAMES, findProfile } from './profiles/index.js';
import { REGISTER_COUNT, registerPatch, registerSpec, type RegisterPatch, type RegisterSpec } from './registers.js';

/**
 * A register map as the configuration gives it: a named profile, a list of entries, or both (the
 * entries then override the profile's entry of the same channel field by field, or add new ones).
 * Used by the driver's options and by the simulator's units alike.
 */
export const registerMapFields = {
  profile: z.enum(PROFILE_NAMES).optional().describe(`a built-in register map: ${PROFILE_NAMES.join(', ')}`),
  registers: z
    .array(registerPatch)
    .default([])
    .describe("register entries; one whose channel the profile has overrides that entry's fields, others are added"),
};

type Issue = { path: (string | number)[]; message: string };

/** Merges a profile and a device's entries; reports every problem with its path. */
export function resolveRegisterMap(profileName: string | undefined, patches: readonly RegisterPatch[]): { registers: RegisterSpec[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const profile = profileName ? findProfile(profileName) : undefined;
  if (profileName && !profile) issues.push({ path: ['profile'], message: `unknown profile "${profileName}"` });
  const merged: { input: Record<string, unknown>; path: (string | number)[] }[] = (profile?.registers ?? []).map((r) => ({
    input: { ...r },
    path: ['profile'],
  }));
  const seen = new Set<string>();
  patches.forEach((patch, i) => {
    if (seen.has(patch.channel)) return void issues.push({ path: ['registers', i, 'channel'], message: `duplicate channel "${patch.channel}"` });
    seen.add(patch.channel);
    const target = merged.find((m) => m.input.channel === patch.channel);
    if (target) {
      target.input = { ...target.input, ...patch };
      target.path = ['registers', i];
    } else merged.push({ input: { ...patch }, path: ['registers', i] });
  });
  if (merged.length === 0 && issues.length === 0) issues.push({ path: ['registers'], message: 'give a profile or at least one register' });
  const registers: RegisterSpec[] = [];
  for (const m of merged) {
    const parsed = registerSpec.safeParse(m.input);
    if (parsed.success) registers.push(parsed.data);
    else for (const issue of parsed.error.issues) issues.push({ path: [...m.path, ...(issue.path as (string | number)[])], message: issue.message });
  }
  return { registers, issues };
}

export const modbusDeviceConfig = z
  .object({
    unit: z.number().int().min(0).max(255).describe('the unit id (slave address) on the bus; TCP devices often use 1 or 255'),
    ...registerMapFields,
    maxRegistersPerRequest: z.number().int().min(1).max(125).default(120).describe('at most this many registers per read request'),
    maxGap: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(0)
      .describe('unused registers one request may read across to join entries (devices that reject unmapped addresses need 0)'),
  })
  .strict()
  .transform((cfg, ctx) => {
    const { registers, issues } = resolveRegisterMap(cfg.profile, cfg.registers);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    registers.forEach((r) => {
      if (REGISTER_COUNT[r.type] > cfg.maxRegistersPerRequest)
        ctx.addIssue({ code: 'custom', path: ['maxRegistersPerRequest'], message: `${r.channel} needs ${REGISTER_COUNT[r.type]} registers in one request` });
    });
    return { unit: cfg.unit, profile: cfg.profile, registers, maxRegistersPerRequest: cfg.maxRegistersPerRequest, maxGap: cfg.maxGap };
  });

export type ModbusDeviceConfig = z.output<typeof modbusDeviceConfig>;
