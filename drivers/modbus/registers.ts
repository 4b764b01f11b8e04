import { z } from 'zod';

/**
 * A register map entry: where a value lives in a Modbus unit and how to turn its registers into a
 * reading. Written as the device's manual writes it (address and `addressBase`), so a map can be
 * copied from the manual's table without arithmetic.
 */

export const REGISTER_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/** How many 16-bit registers a value of each type occupies. */
export const REGISTER_COUNT: Readonly<Record<RegisterType, number>> = {
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  float64: 4,
};

export type Order = 'big' | 'little';

const order = z.enum(['big', 'little']);

/** The fields of an entry, none defaulted: what a device's `registers` may give to override a profile. */
const fields = {
  channel: z.string().min(1).describe('the channel name readings of this register get'),
  quantity: z.string().min(1).describe('what is measured, e.g. temperature, humidity, pressure, acceleration'),
  unit: z.string().min(1).describe("the reading's unit after scale and offset, e.g. °C, %RH, hPa, g"),
  address: z.number().int().min(0).max(65536).describe('the first register, numbered as the manual writes it (see addressBase)'),
  addressBase: z
    .union([z.literal(0), z.literal(1)])
    .describe('1 when the manual numbers registers from 1 (register 1 is wire address 0), 0 when it gives wire addresses'),
  function: z.union([z.literal(3), z.literal(4)]).describe('3 = holding registers, 4 = input registers'),
  type: z.enum(REGISTER_TYPES),
  wordOrder: order.describe('for multi-register values: big = most significant word first, little = least significant word first'),
  byteOrder: order.describe('within each register: big = high byte first (the Modbus norm), little = swapped'),
  scale: z.number().describe('value = raw * scale + offset'),
  offset: z.number(),
  sentinel: z.number().optional().describe('a raw value meaning "not available" (e.g. -32768 for 0x8000 in int16)'),
  u: z.number().nonnegative().optional().describe('standard uncertainty (k=1) in `unit`'),
};

/** A complete entry; omitted fields take the defaults below. */
export const registerSpec = z
  .object({
    ...fields,
    addressBase: fields.addressBase.default(0),
    function: fields.function.default(3),
    type: fields.type.default('uint16'),
    wordOrder: fields.wordOrder.default('big'),
    byteOrder: fields.byteOrder.default('big'),
    scale: fields.scale.default(1),
    offset: fields.offset.default(0),
  })
  .strict()
  .superRefine((r, ctx) => {
    const wire = r.address - r.addressBase;
    if (wire < 0) ctx.addIssue({ code: 'custom', path: ['address'], message: 'address 0 does not exist when addressBase is 1' });
    else if (wire + REGISTER_COUNT[r.type] > 65536) ctx.addIssue({ code: 'custom', path: ['address'], message: `${r.type} at ${r.address} runs past register 65535` });
  });
export type RegisterSpec = z.output<typeof registerSpec>;
export type RegisterSpecInput = z.input<typeof registerSpec>;

/** An entry in a device's `registers`: a complete new entry, or a partial one that overrides the
 *  profile's entry of the same channel. Checked as a whole after merging. */
export const registerPatch = z
  .object({ ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])), channel: fields.channel })
  .strict() as unknown as z.ZodType<Partial<RegisterSpecInput> & { channel: string }>;
export type RegisterPatch = Partial<RegisterSpecInput> & { channel: string };

/** The wire address (0-based) of an entry's first register. */
export function wireAddress(r: RegisterSpec): number {
  return r.address - r.addressBase;
}
