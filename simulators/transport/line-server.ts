import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import type { Endpoint, SimulatorListen } from '../types.js';
import { PtyPair } from './pty-pair.js';

/** One connection to a simulated instrument (a TCP client, or the serial line). */
export interface LineSession {
  send(line: string): void;
  /** Writes bytes exactly as given (for torn or garbled output). */
  sendRaw(text: string): void;
  close(): void;
}

/** The protocol brain of a simulated line instrument; the server handles the transport. */
export interface LineHandler {
  onLine(line: string, session: LineSession): void;
  onOpen?(session: LineSession): void;
  onClose?(session: LineSession): void;
}

export interface LineServerOptions {
  /** Appended to every line the instrument sends. */
  terminator?: string;
  /** Refuse a second TCP client while one is connected (instruments that allow one socket). */
  singleConnection?: boolean;
}

/**
 * Serves a LineHandler over TCP and/or a pseudo-terminal. Input lines may end in LF, CR or CRLF.
 * `disconnect()` drops every connection: TCP sockets are destroyed, the pty pair is torn down and
 * recreated at the same path after `downMs`.
 */
export class LineServer {
  private server: Server | undefined;
  private pty: PtyPair | undefined;
  private port: SerialPort | undefined;
  private readonly sockets = new Set<Socket>();
  private stopped = false;

  constructor(
    private readonly handler: LineHandler,
    private readonly listen: SimulatorListen,
    private readonly opts: LineServerOptions = {},
  ) {}

  async start(): Promise<Endpoint> {
    const endpoint: Endpoint = {};
    if (this.listen.tcp) endpoint.tcp = await this.startTcp(this.listen.tcp.host, this.listen.tcp.port);
    if (this.listen.serial) {
      this.pty = new PtyPair(this.listen.serial.path);
      await this.startSerial();
      endpoint.serialPath = this.listen.serial.path;
    }
    return endpoint;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.closePort();
    await this.pty?.stop();
  }

  /** Drops every connection; the serial side comes back at the same path after `downMs`. */
  async disconnect(downMs = 200): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.pty) {
      await this.closePort();
      await this.pty.stop();
      setTimeout(() => {
        if (!this.stopped) this.startSerial().catch(() => undefined);
      }, downMs);
    }
  }

  private startTcp(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => {
        if (this.opts.singleConnection && this.sockets.size > 0) {
          socket.destroy();
          return;
        }
        this.sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        this.attach(socket);
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        if (!addr || typeof addr === 'string') return reject(new Error('no TCP address'));
        this.server = server;
        resolve({ host, port: addr.port });
      });
    });
  }

  private async startSerial(): Promise<void> {
    await this.pty!.start();
    const port = new SerialPort({ path: this.pty!.devicePath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    this.port = port;
    this.attach(port);
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private attach(stream: Duplex): void {
    const terminator = this.opts.terminator ?? '\n';
    let open = true;
    const session: LineSession = {
      send: (line) => {
        if (open) stream.write(line + terminator, 'latin1');
      },
      sendRaw: (text) => {
        if (open) stream.write(text, 'latin1');
      },
      close: () => stream.destroy(),
    };
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const parts = buffer.split(/\r\n|\r|\n/);
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.length > 0) this.handler.onLine(line, session);
    });
    stream.once('close', () => {
      open = false;
      this.handler.onClose?.(session);
    });
    this.handler.onOpen?.(session);
  }
}
