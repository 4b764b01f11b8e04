import type { Duplex } from 'node:stream';
import type { Endpoint, SimulatorListen } from '../types.js';
import { StreamServer } from './stream-server.js';

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
  private readonly transport: StreamServer;

  constructor(
    private readonly handler: LineHandler,
    listen: SimulatorListen,
    private readonly opts: LineServerOptions = {},
  ) {
    const attach = (stream: Duplex) => this.attach(stream);
    this.transport = new StreamServer({ serveTcp: attach, serveSerial: attach }, listen, opts);
  }

  start(): Promise<Endpoint> {
    return this.transport.start();
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  /** Drops every connection; the serial side comes back at the same path after `downMs`. */
  disconnect(downMs = 200): Promise<void> {
    return this.transport.disconnect(downMs);
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
