import type { Duplex } from 'node:stream';
import { StreamLineLink, type StreamLineLinkOptions } from './stream-line-link.js';
import { connectTcp } from './tcp-connect.js';

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
    return connectTcp(this.endpoint, this.address(), this.connectTimeoutMs, signal);
  }
}
