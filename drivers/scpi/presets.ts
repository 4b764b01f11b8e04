/**
 * Instrument presets: the setup a model needs to measure a 10 V standard, and the query that
 * returns one reading. A preset is data; `setup`, `query` and `channel` options override it.
 */

export interface ScpiPreset {
  description: string;
  /** Sent in order after *IDN? on every connect; commands only, none may produce a reply. */
  setup: readonly string[];
  /** Returns exactly one number per call. */
  query: string;
  /** The channel name readings carry unless the device's options name another. */
  channel: string;
}

/** Keysight Truevolt 34465A (6½ digits) and 34470A (7½ digits) share the SCPI command set. */
const keysightTruevolt = (model: string): ScpiPreset => ({
  description: `Keysight ${model}: DC volts, 10 V range, 10 PLC`,
  setup: ['*CLS', 'CONF:VOLT:DC 10', 'VOLT:DC:NPLC 10'],
  query: 'READ?',
  channel: 'dcv',
});

export const SCPI_PRESETS = {
  'keysight-34465a': keysightTruevolt('34465A'),
  'keysight-34470a': keysightTruevolt('34470A'),
  'keithley-2182a': {
    description: 'Keithley 2182A nanovoltmeter: channel 1, DC volts, 10 V range, 5 PLC',
    setup: ['*CLS', ":SENS:FUNC 'VOLT:DC'", ':SENS:CHAN 1', ':SENS:VOLT:CHAN1:RANG 10', ':SENS:VOLT:DC:NPLC 5'],
    query: ':READ?',
    channel: 'ch1',
  },
} as const satisfies Record<string, ScpiPreset>;

/** No preset: an instrument of unknown model is left as its operator set it up; READ? returns one reading. */
export const GENERIC_SCPI: ScpiPreset = { description: 'generic SCPI instrument', setup: [], query: 'READ?', channel: 'dcv' };

export type ScpiPresetName = keyof typeof SCPI_PRESETS;
export const SCPI_PRESET_NAMES = Object.keys(SCPI_PRESETS) as [ScpiPresetName, ...ScpiPresetName[]];
