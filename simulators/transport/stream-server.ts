import { createServer, type Server, type Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import type { Endpoint, SimulatorListen } from '../types.js';
import { PtyPair } from './pty-pair.js';

/** What a protocol does with each connection; the StreamServer owns the transport around it. */
export interface StreamServerHooks {
  serveTcp(socket: Socket): void;
  serveSerial(port: SerialPort): void;
}

export interface StreamServerOptions {
  /** Refuse a second TCP client while one is connected (devices that allow one socket). */
  singleConnection?: boolean;
}

/**
 * The transport side of every simulator: a TCP listener and/or a pseudo-terminal pair (the gateway
 * opens `listen.serial.path`, the simulator holds the other end). `disconnect()` drops every TCP
 * client and tears the pty down, recreating it at the same path after `downMs`, as an unplugged
 * adapter that comes back.
 */
export class StreamServer {
  private server: Server | undefined;
  private pty: PtyPair | undefined;
  private port: SerialPort | undefined;
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  /** Can be switched at run time (a fault that makes a device accept one client only). */
  singleConnection: boolean;

  constructor(
    private readonly hooks: StreamServerHooks,
    private readonly listen: SimulatorListen,
    opts: StreamServerOptions = {},
  ) {
    this.singleConnection = opts.singleConnection ?? false;
  }

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

  /** Drops every TCP client; the pty disappears and comes back at the same path after `downMs`. */
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

  /** Connected TCP clients. */
  get clients(): number {
    return this.sockets.size;
  }

  /** True while `port` is the serial end currently served (a reply for an older one is dropped). */
  isCurrent(port: SerialPort): boolean {
    return this.port === port && port.isOpen;
  }

  private startTcp(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => {
        if (this.singleConnection && this.sockets.size > 0) {
          socket.destroy();
          return;
        }
        this.sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        this.hooks.serveTcp(socket);
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
    // Loaded here: simulators that only listen on TCP never pay for serialport.
    const { SerialPort } = await import('serialport');
    const pty = this.pty!;
    // The simulator's end is opened before the gateway's path appears (see PtyPair).
    await pty.start(async () => {
      // A pty has no baud rate; serialport needs one all the same.
      const port = new SerialPort({ path: pty.devicePath, baudRate: 9600, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      port.on('error', () => undefined);
      this.port = port;
      this.hooks.serveSerial(port);
    });
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
