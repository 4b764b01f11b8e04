import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { TgError } from '../core/errors.js';
import type { SerialLinkConfig } from './config.js';
import { StreamLineLink, type StreamLineLinkOptions } from './stream-line-link.js';

/**
 * A line link over a serial port. When the adapter disappears (unplugged, re-enumerated, a pty
 * whose other side closed) the port closes, and the base class reopens the same path with backoff.
 */
export class SerialLineLink extends StreamLineLink {
  constructor(
    opts: StreamLineLinkOptions,
    private readonly port: Pick<SerialLinkConfig, 'path' | 'baudRate' | 'dataBits' | 'parity' | 'stopBits' | 'rtscts'>,
  ) {
    super(opts);
  }

  address(): string {
    return this.port.path;
  }

  protected open(signal: AbortSignal): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new TgError('TG_ABORTED'));
      const port = new SerialPort({
        path: this.port.path,
        baudRate: this.port.baudRate,
        dataBits: this.port.dataBits,
        parity: this.port.parity,
        stopBits: this.port.stopBits,
        rtscts: this.port.rtscts,
        autoOpen: false,
      });
      port.open((err) => {
        if (err) return reject(new TgError('TG_LINK_DOWN', `${this.port.path}: ${err.message}`));
        if (signal.aborted) {
          port.close();
          return reject(new TgError('TG_ABORTED'));
        }
        resolve(port);
      });
    });
  }
}
