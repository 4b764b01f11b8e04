/**
 * The units a PTU300/HMT330 writes after a value, and conversion to the unit a field is reported
 * in. The device writes ASCII: 'C for °C, 'F for °F. Linear units convert through a base unit;
 * temperatures through kelvin.
 */

/** The spellings the device uses, mapped to the canonical unit. */
const ALIASES: Record<string, string> = {
  "'C": '°C',
  C: '°C',
  degC: '°C',
  "'F": '°F',
  F: '°F',
  degF: '°F',
  '%': '%RH',
  psia: 'psi',
  Torr: 'mmHg',
  torr: 'mmHg',
};

/** Pressure units to pascal. */
const TO_PASCAL: Record<string, number> = {
  Pa: 1,
  hPa: 100,
  mbar: 100,
  kPa: 1000,
  bar: 1e5,
  psi: 6894.757293168,
  inHg: 3386.389,
  mmHg: 133.322387415,
};

/** Temperature units to kelvin: k = value * scale + offset. */
const TO_KELVIN: Record<string, { scale: number; offset: number }> = {
  '°C': { scale: 1, offset: 273.15 },
  '°F': { scale: 5 / 9, offset: 273.15 - (32 * 5) / 9 },
  K: { scale: 1, offset: 0 },
};

export function canonicalUnit(text: string): string {
  return ALIASES[text] ?? text;
}

/**
 * Converts `value` from the device's unit text to `target`. Returns undefined when the units are
 * not the same kind of quantity (the line then does not say what the configuration expects).
 */
export function convert(value: number, deviceUnit: string, target: string): number | undefined {
  const from = canonicalUnit(deviceUnit);
  const to = canonicalUnit(target);
  if (from === to) return value;
  const pf = TO_PASCAL[from];
  const pt = TO_PASCAL[to];
  if (pf !== undefined && pt !== undefined) return (value * pf) / pt;
  const tf = TO_KELVIN[from];
  const tt = TO_KELVIN[to];
  if (tf && tt) return (value * tf.scale + tf.offset - tt.offset) / tt.scale;
  return undefined;
}
