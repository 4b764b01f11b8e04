/**
 * The `standards` section of the configuration: each travelling standard, the channels that
 * measure it and its surroundings, the pilot's reference model and the protocol's limits.
 *
 * Contract:
 * - Every limit is a protocol parameter with a documented default; channel names are data, so the
 *   checks depend on no instrument (the transport logger's channel names default to those of the
 *   `case-logger` Modbus profile and can be renamed).
 * - Times in the file: ISO 8601 with a zone; durations as in the rest of the configuration.
 * - Values are in the standard's `unit`, drift rates in `unit` per day.
 * - References to devices are checked against `devices` by src/config/cross-check.ts.
 */
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { LIFECYCLE_STATES } from './lifecycle.js';

const standardId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, "-", "_" or "."');

const isoTime = z
  .string()
  .regex(/(Z|[+-]\d\d:?\d\d)$/, 'expected an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');

export const channelRef = z
  .object({
    device: z.string().min(1).describe('a device id of `devices`'),
    channel: z.string().min(1).describe('a channel name of that device'),
  })
  .strict();
export type ChannelRef = z.infer<typeof channelRef>;

const interval = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');
export type Interval = z.infer<typeof interval>;

const coefficient = z
  .object({
    coefficient: z.number().describe('relative sensitivity per unit of the influence quantity (e.g. 2e-9 per hPa)'),
    reference: z.number().describe('the reference condition (e.g. 1013.25 hPa)'),
  })
  .strict();

const ENV_QUANTITIES = ['temperature', 'humidity', 'pressure'] as const;
export type EnvQuantity = (typeof ENV_QUANTITIES)[number];
/** Influence quantities a correction can use: the lab's air and the standard's own thermistor. */
export type Influence = EnvQuantity | 'thermistor';
export const INFLUENCES: readonly Influence[] = ['thermistor', ...ENV_QUANTITIES];

const environment = z
  .object({
    temperature: channelRef.optional().describe("the lab's air temperature, °C"),
    humidity: channelRef.optional().describe("the lab's relative humidity, %RH"),
    pressure: channelRef.optional().describe("the lab's air pressure, hPa"),
    maxAge: duration().default(600_000).describe('an environment value older than this (reading time) counts as missing'),
    window: z
      .object({ temperature: interval.optional(), humidity: interval.optional(), pressure: interval.optional() })
      .strict()
      .prefault({})
      .describe('the protocol window; a reading taken outside it is flagged env_out_of_window, never dropped'),
  })
  .strict()
  .prefault({});

const reference = z
  .object({
    t0: isoTime.describe('time origin of the model'),
    x0: z.number().describe('value at t0, in `unit`'),
    uX0: z.number().nonnegative().describe('standard uncertainty of x0'),
    driftPerDay: z.number().describe('reference drift rate b_ref, `unit`/day'),
    uDriftPerDay: z.number().nonnegative().describe('u(b_ref)'),
    uTransport: z.number().nonnegative().default(0).describe('transport uncertainty, added in E_n'),
  })
  .strict()
  .describe("the pilot's model from the stability and transport tests");

const drift = z
  .object({
    fit: z.enum(['auto', 'ols', 'wls']).default('auto').describe('auto: weighted when the first reading carries u'),
    minPoints: z.number().int().min(3).default(10).describe('readings in the fit before E_b is judged'),
    minSpan: duration()
      .default(86_400_000)
      .describe('time the fit must span before E_b is judged: a slope fitted over seconds says nothing about a drift per day'),
    warn: z.number().positive().default(2).describe('E_b above this warns'),
    fail: z.number().positive().default(3).describe('E_b above this fails'),
    k: z.number().positive().default(2).describe('coverage factor of E_n'),
  })
  .strict()
  .refine((d) => d.fail >= d.warn, 'fail must not be below warn')
  .prefault({});

const step = z
  .object({
    k: z.number().nonnegative().default(0.5).describe('CUSUM allowance, residual SDs'),
    h: z
      .number()
      .positive()
      .default(12)
      .describe('CUSUM decision interval, residual SDs; in-control run length ≈ 470 readings at 5, 35 000 at 10, 500 000 at 12'),
    minPoints: z.number().int().min(3).default(30).describe('readings in the fit before residuals are judged'),
    restartFit: z.boolean().default(true).describe('after a detected step the drift fit starts again'),
  })
  .strict()
  .prefault({});

const transport = z
  .object({
    logger: z.string().min(1).optional().describe('the device id of the logger fixed to the transport case'),
    channels: z
      .object({
        accelX: z.string().min(1).default('peak_x'),
        accelY: z.string().min(1).default('peak_y'),
        accelZ: z.string().min(1).default('peak_z'),
        tilt: z.string().min(1).default('tilt'),
        temperature: z.string().min(1).default('case_temperature'),
        humidity: z.string().min(1).default('case_humidity'),
        power: z.string().min(1).default('external_power').describe("1 while the standard is powered, 0 when not"),
        battery: z.string().min(1).default('battery'),
      })
      .strict()
      .prefault({})
      .describe("the logger's channel names"),
    shock: z
      .object({ warn: z.number().positive().default(5), fail: z.number().positive().default(15) })
      .strict()
      .refine((s) => s.fail >= s.warn, 'fail must not be below warn')
      .prefault({})
      .describe('peak acceleration per axis, g'),
    tilt: z.object({ warn: z.number().positive().optional(), fail: z.number().positive().optional() }).strict().prefault({}).describe('degrees'),
    temperature: interval.optional().describe('allowed case temperature in transit, °C'),
    humidity: interval.optional().describe('allowed case humidity in transit, %RH'),
    powerOffBelow: z.number().default(0.5).describe('a power reading below this is an interruption'),
    batteryMin: z.number().optional().describe('a battery voltage below this is an interruption'),
    motion: z.number().positive().nullable().default(2).describe('peak g on any axis that shows the case moving (null: off)'),
    thermistorStep: z
      .number()
      .positive()
      .default(0.005)
      .describe('relative thermistor change between consecutive readings that shows a power interruption'),
    thermistorHoldoff: duration().default(3_600_000).describe('a further thermistor step within this time is the same interruption'),
    arrivalRest: duration()
      .default(60_000)
      .describe('an arrival is refused while the case logger showed motion (≥ `motion` g) within this time: the case is still moving'),
  })
  .strict()
  .prefault({});

const settling = z
  .object({
    time: duration().default(86_400_000).describe('minimum time from arrival (or a power interruption)'),
    window: duration().default(21_600_000).describe('the sliding window the stability criteria are judged over'),
    maxDriftPerDay: z.number().positive().optional().describe('|window slope − b_ref| limit, `unit`/day'),
    maxThermistorSpread: z.number().positive().optional().describe('(max − min)/min of the thermistor over the window'),
    autoMeasure: z.boolean().default(true).describe('settling -> measuring by itself once settled'),
  })
  .strict()
  .prefault({});

export const standardConfig = z
  .object({
    id: standardId,
    quantity: z.string().min(1).default('voltage'),
    nominal: z.number().describe('nominal value, `unit`'),
    unit: z.string().min(1).default('V'),
    measurand: channelRef.describe('the device and channel that measure the standard'),
    thermistor: channelRef.optional().describe("the standard's own (oven) thermistor, Ω"),
    environment,
    corrections: z
      .object({
        thermistor: coefficient.optional(),
        temperature: coefficient.optional(),
        humidity: coefficient.optional(),
        pressure: coefficient.optional(),
      })
      .strict()
      .prefault({})
      .describe('to reference conditions: U = U_meas·[1 − Σ c·(x − x_ref)]'),
    reference: reference.optional(),
    typeB: z
      .object({
        u: z.number().nonnegative().describe("the lab's type B standard uncertainty (k=1) of its measurement of the standard, in `unit`"),
        note: z.string().max(2000).optional().describe('what it is made of (e.g. "DMM calibration, reference, leakage")'),
      })
      .strict()
      .optional()
      .describe("the lab's declared type B uncertainty; journaled in a standard_declared event at every start, for the pilot's results"),
    drift,
    step,
    transport,
    settling,
    initialState: z.enum(LIFECYCLE_STATES).default('awaiting'),
  })
  .strict()
  .describe('a travelling transfer standard and the checks run on it');

export type StandardConfig = z.infer<typeof standardConfig>;
/** What a caller may write (defaults not applied yet): for tests and examples. */
export type StandardConfigInput = z.input<typeof standardConfig>;

export const standardsConfig = z.array(standardConfig).default([]).describe('the travelling standards this gateway watches');

/** Parse one standard with its defaults (tests, tools). Throws a ZodError on bad input. */
export function parseStandard(input: StandardConfigInput): StandardConfig {
  return standardConfig.parse(input);
}

/** The channel an influence quantity is read from, if configured. */
export function influenceChannel(cfg: StandardConfig, q: Influence): ChannelRef | undefined {
  return q === 'thermistor' ? cfg.thermistor : cfg.environment[q];
}
