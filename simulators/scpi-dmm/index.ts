/**
 * A simulated SCPI DMM (Keysight 34465A by default, or a Keithley 2182A by its identity) over TCP
 * and/or a serial pty (or on GPIB behind a simulated Prologix adapter), measuring a standard of the
 * simulated World: a command table on the shared line device (simulators/shared/). See README.md
 * for commands, options and faults.
 */
import { z } from '../../src/kit.js';
import { lineSimulator, type LineSimulator } from '../shared/line-simulator.js';
import { COMMANDS, defaultSettings, type DmmSettings } from './commands.js';
import { OVERLOAD, formatReading } from './format.js';

export const scpiDmmSimulator = lineSimulator({
  kind: 'scpi-dmm',
  description: 'a simulated SCPI DMM (34465A/34470A/2182A command forms) measuring a standard of the world',
  identity: { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'MY59001234', firmware: 'A.03.01-03.15-03.01-00.52-03-02' },
  options: {
    function: z
      .enum(['volt', 'fres'])
      .default('volt')
      .describe('power-on and *RST function: DC volts of the standard, or 4-wire ohms of its oven thermistor'),
  },
  settings: (o): DmmSettings => defaultSettings(o.function),
  commands: COMMANDS,
  format: formatReading,
  overload: OVERLOAD,
  wrongIdentity: { serial: 'MY99999999' },
});

/** The running simulator (start / stop / inject). */
export type ScpiDmmSimulator = LineSimulator<DmmSettings>;
