import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A tiny programmable line server on 127.0.0.1 for link tests: `listen(0)` picks a free port,
 * `listen(port)` after `stop()` brings the same instrument back. Commands, one per line with any
 * terminator: ECHO x → "x\n"; RAW "<json string>" → those bytes in one write; SPLIT → "12.3",
 * "45\r", "\n" in three delayed writes; TWO → "A\nB\n" in one write; SILENT → nothing; HANGUP →
 * destroys the socket; PARTIAL → "PART" then FIN; SLOW → "SLOW-DONE\n" once releaseSlow() is called.
 */
export class TestServer {
  private server: Server | undefined;
  readonly sockets = new Set<Socket>();
  private slow: Socket[] = [];
  connections = 0;
  port = 0;

  async listen(port = this.port): Promise<this> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection (the instrument is switched off). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** How many SLOW requests wait for releaseSlow(). */
  get slowPending(): number {
    return this.slow.length;
  }

  releaseSlow(): void {
    for (const s of this.slow.splice(0)) s.write('SLOW-DONE\n');
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const parts = buffer.split(/\r\n|\r|\n/);
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line) this.command(line, socket);
    });
  }

  private command(line: string, socket: Socket): void {
    const [cmd, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (cmd === 'ECHO') socket.write(`${arg}\n`);
    else if (cmd === 'RAW') socket.write(JSON.parse(arg) as string, 'latin1');
    else if (cmd === 'TWO') socket.write('A\nB\n');
    else if (cmd === 'HANGUP') socket.destroy();
    else if (cmd === 'PARTIAL') socket.end('PART');
    else if (cmd === 'SLOW') this.slow.push(socket);
    else if (cmd === 'SPLIT') {
      socket.write('12.3');
      void delay(30)
        .then(() => socket.write('45\r'))
        .then(() => delay(30))
        .then(() => socket.write('\n'));
    }
  }
}
