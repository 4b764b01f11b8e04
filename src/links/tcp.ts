import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TgError } from '../core/errors.js';
import { StreamLineLink, type StreamLineLinkOptions } from './stream-line-link.js';

export interface TcpEndpoint {
  host: string;
  port: number;
}

/** A line link over a raw TCP socket (SCPI port 5025, a serial device server). */
export class TcpLineLink extends StreamLineLink {
  constructor(
    opts: StreamLineLinkOptions,
    private readonly endpoint: TcpEndpoint,
    private readonly connectTimeoutMs: number,
  ) {
    super(opts);
  }

  address(): string {
    return `tcp://${this.endpoint.host}:${this.endpoint.port}`;
  }

  protected open(signal: AbortSignal): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new TgError('TG_ABORTED'));
      const socket: Socket = connect({ host: this.endpoint.host, port: this.endpoint.port });
      const fail = (err: Error) => {
        cleanup();
        // A connect error may already be queued when the timeout or the abort destroys the socket:
        // it must not reach an empty 'error' listener list (that would crash the process).
        socket.on('error', () => undefined);
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error) => fail(err);
      const onAbort = () => fail(new TgError('TG_ABORTED'));
      const timer = setTimeout(() => fail(new TgError('TG_LINK_TIMEOUT', `connect to ${this.address()}`)), this.connectTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      socket.once('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        cleanup();
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      });
    });
  }
}
