/**
 * A TCP server that serves one client at a time, as the Prologix GPIB-ETHERNET adapter does: a
 * second client is accepted and closed at once (it sees its connection end before any byte).
 * `disconnect(downMs)` drops the client and stops listening for `downMs` (connections are refused
 * as by a rebooting adapter), then listens again on the same port.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface ClientHandler {
  /** Called for the accepted client; returns the function that receives its bytes (latin1). */
  open(socket: Socket, signal: AbortSignal): (chunk: string) => void;
}

export class SingleClientTcpServer {
  private server: Server | undefined;
  private address: { host: string; port: number } | undefined;
  private client: { socket: Socket; stop: AbortController } | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Clients closed at once because another client was connected. */
  refused = 0;

  constructor(private readonly handler: ClientHandler) {}

  async start(host: string, port: number): Promise<{ host: string; port: number }> {
    this.address = await this.listen(host, port);
    return this.address;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restart);
    this.dropClient();
    await this.closeServer();
  }

  disconnect(downMs: number): void {
    if (!this.address || this.stopped) return;
    const { host, port } = this.address;
    void this.closeServer();
    this.dropClient();
    clearTimeout(this.restart);
    this.restart = setTimeout(() => {
      if (!this.stopped) this.listen(host, port).catch(() => undefined);
    }, downMs);
  }

  /** True while a client is connected. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  private listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        if (!addr || typeof addr === 'string') return reject(new Error('no TCP address'));
        // stop() came while a restart after a disconnect fault was still binding.
        if (this.stopped) {
          server.close();
          return reject(new Error('stopped'));
        }
        this.server = server;
        resolve({ host, port: addr.port });
      });
    });
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.client) {
      this.refused++;
      socket.destroy();
      return;
    }
    const stop = new AbortController();
    const client = { socket, stop };
    this.client = client;
    socket.setNoDelay(true);
    const feed = this.handler.open(socket, stop.signal);
    socket.on('data', (chunk: Buffer) => feed(chunk.toString('latin1')));
    socket.once('close', () => {
      stop.abort();
      if (this.client === client) this.client = undefined;
    });
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.stop.abort();
    client?.socket.destroy();
  }
}
