import { read as fsRead } from 'node:fs';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import type { SerialPort } from 'serialport';
import { TgError } from '../core/errors.js';
import type { SerialLinkConfig } from './config.js';
import { StreamLineLink, type StreamLineLinkOptions } from './stream-line-link.js';

const readAsync = promisify(fsRead);

/**
 * serialport 13 with two workarounds:
 * - `destroy()` closes the port. SerialPortStream has no `_destroy`, so a destroyed port keeps its
 *   descriptor (and its exclusive lock) open, and reopening the same path fails.
 * - On Linux a hung-up tty (the USB adapter was unplugged, the pty's other side closed) reads 0
 *   bytes; @serialport/bindings-cpp retries such reads in a tight loop forever and never reports
 *   the disconnect. `watchHangup` turns a 0-byte read into a disconnect, so the port closes and the
 *   link reopens the path.
 */
type SerialPortClass = new (options: ConstructorParameters<typeof SerialPort>[0]) => SerialPort;
let releasingSerialPort: Promise<SerialPortClass> | undefined;

/** serialport (and its native binding) is loaded on the first open: a gateway without serial
 *  links never pays for it. */
function loadSerialPort(): Promise<SerialPortClass> {
  return (releasingSerialPort ??= import('serialport').then(
    ({ SerialPort: Base }) =>
      class ReleasingSerialPort extends Base {
        override _destroy(err: Error | null, callback: (err: Error | null) => void): void {
          if (this.isOpen) this.close(() => callback(err));
          else if (this.closing) this.once('close', () => callback(err));
          else callback(err);
        }
      },
  ));
}

/** The parts of bindings-cpp's LinuxPortBinding the hang-up aware read needs (public there). */
interface UnixPortBinding {
  fd: number | null;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

function isUnixBinding(b: unknown): b is UnixPortBinding {
  return typeof b === 'object' && b !== null && 'fd' in b && 'poller' in b && 'read' in b;
}

/**
 * Replaces the binding's read with bindings-cpp's unix read, except that 0 bytes (EOF on a
 * non-blocking raw tty: a hang-up) fail as a disconnect. Must run before the first read starts,
 * i.e. in the open callback before anyone listens for data.
 */
function watchHangup(port: SerialPort): void {
  const binding: unknown = port.port;
  if (process.platform !== 'linux' || !isUnixBinding(binding)) return;
  const canceled = () => Object.assign(new Error('Port is not open'), { canceled: true });
  binding.read = async (buffer, offset, length) => {
    for (;;) {
      if (binding.fd === null) throw canceled();
      try {
        const { bytesRead } = await readAsync(binding.fd, buffer, offset, length, null);
        if (bytesRead === 0) throw Object.assign(new Error('the serial device hung up'), { disconnect: true });
        return { buffer, bytesRead };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
        if (binding.fd === null) throw canceled();
        await new Promise<void>((resolve, reject) => binding.poller.once('readable', (e) => (e ? reject(e) : resolve())));
      }
    }
  };
}

export type SerialPortSettings = Pick<SerialLinkConfig, 'path' | 'baudRate' | 'dataBits' | 'parity' | 'stopBits'> &
  Partial<Pick<SerialLinkConfig, 'rtscts'>>;

/**
 * Opens a serial port with the workarounds above: `destroy()` releases it, and a hang-up closes
 * it (with a DisconnectedError as the 'close' argument). Rejects with TG_LINK_DOWN. Any transport
 * over a serial line (line or Modbus RTU) should open its port through this.
 */
export async function openSerialPort(settings: SerialPortSettings): Promise<SerialPort> {
  const ReleasingSerialPort = await loadSerialPort();
  return new Promise((resolve, reject) => {
    const port = new ReleasingSerialPort({
      path: settings.path,
      baudRate: settings.baudRate,
      dataBits: settings.dataBits,
      parity: settings.parity,
      stopBits: settings.stopBits,
      rtscts: settings.rtscts ?? false,
      autoOpen: false,
    });
    port.open((err) => {
      if (err) return reject(new TgError('TG_LINK_DOWN', `${settings.path}: ${err.message}`));
      watchHangup(port);
      resolve(port);
    });
  });
}

/**
 * A line link over a serial port. When the adapter disappears (unplugged, re-enumerated, a pty
 * whose other side closed) the port closes, and the base class reopens the same path with backoff.
 */
export class SerialLineLink extends StreamLineLink {
  constructor(
    opts: StreamLineLinkOptions,
    private readonly port: SerialPortSettings,
  ) {
    super(opts);
  }

  address(): string {
    return this.port.path;
  }

  /** An abort during the open is handled by the caller, which destroys (closes) the port. */
  protected open(signal: AbortSignal): Promise<Duplex> {
    if (signal.aborted) return Promise.reject(new TgError('TG_ABORTED'));
    return openSerialPort(this.port);
  }
}
