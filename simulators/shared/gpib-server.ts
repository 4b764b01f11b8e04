/**
 * A GPIB instrument served as it is reached on a LAN: behind a simulated Prologix GPIB-ETHERNET
 * adapter on a TCP port that takes one client at a time (single-client-server.ts). Any
 * GpibDevice can sit behind it: the 3458A simulator, or any line instrument through
 * `LineDevice.gpib()`.
 */
import type { Clock, Logger } from '../../src/kit.js';
import { PrologixAdapter, type GpibDevice } from './prologix-adapter.js';
import { SingleClientTcpServer } from './single-client-server.js';

/** What `++ver` answers. */
export const PROLOGIX_VERSION = 'Prologix GPIB-ETHERNET Controller version 01.06.06.00';

export class GpibAdapterServer {
  readonly adapter: PrologixAdapter;
  private readonly server: SingleClientTcpServer;

  constructor(device: GpibDevice, opts: { address: number; version?: string; clock: Clock; log: Logger }) {
    const adapter = new PrologixAdapter(device, opts.address, opts.version ?? PROLOGIX_VERSION, opts.clock, opts.log);
    this.adapter = adapter;
    this.server = new SingleClientTcpServer({
      open: (socket, signal) =>
        adapter.attach({
          signal,
          sendRaw: (text) => {
            if (!signal.aborted && socket.writable) socket.write(text, 'latin1');
          },
        }),
    });
  }

  start(host: string, port: number): Promise<{ host: string; port: number }> {
    return this.server.start(host, port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Drops the client and refuses connections for `downMs`, as a rebooting adapter. */
  disconnect(downMs: number): void {
    this.server.disconnect(downMs);
  }

  /** Clients closed at once because another one was connected. */
  get refused(): number {
    return this.server.refused;
  }
}
