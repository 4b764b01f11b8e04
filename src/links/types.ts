/**
 * A link is the transport a driver talks through. Drivers never import serialport, net or
 * modbus-serial: they receive a link and use only these interfaces.
 */

export type LinkState = 'connecting' | 'connected' | 'down' | 'closed';

export interface LinkStatus {
  id: string;
  type: string;
  state: LinkState;
  /** Human-readable address (tcp://host:port, a serial path). */
  address: string;
  reconnects: number;
  lastError?: string;
}

/** A line received on a link with its arrival time (UTC ms). */
export interface ReceivedLine {
  line: string;
  at: number;
}

/** The answer to a query with the UTC times the command left and the reply arrived. */
export interface QueryResult {
  line: string;
  sentAt: number;
  receivedAt: number;
}

/** What a driver may do with a line link while it holds the link's lock. */
export interface LineIO {
  /** Sends `text` followed by the link's write terminator. */
  write(text: string): Promise<void>;
  /** The next received line; rejects with TG_LINK_TIMEOUT after `timeoutMs`. */
  readLine(timeoutMs: number, signal?: AbortSignal): Promise<ReceivedLine>;
  /** Discards stale input, writes `command`, and returns the next line. */
  query(command: string, timeoutMs: number, signal?: AbortSignal): Promise<QueryResult>;
  /** Drops every line received so far (e.g. a torn line after a reconnect). */
  discardInput(): void;
}

export interface LineLink {
  readonly kind: 'line';
  readonly id: string;
  /** Starts connecting; the link reconnects by itself until `close()`. */
  start(): void;
  close(): Promise<void>;
  status(): LinkStatus;
  /** Resolves once connected; rejects with TG_LINK_DOWN after `timeoutMs`. */
  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` with exclusive use of the link: devices sharing a link never interleave. */
  exclusive<T>(fn: (io: LineIO) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Increases each time the underlying port or socket is (re)opened. */
  readonly generation: number;
}

/** Modbus read functions: 3 = holding registers, 4 = input registers. */
export type RegisterFunction = 3 | 4;

/** The registers a read returned, with the UTC times the request left and the reply arrived. */
export interface RegisterReadResult {
  /** 16-bit register values (0..65535) in address order. */
  registers: number[];
  sentAt: number;
  receivedAt: number;
}

/** What a driver may do with a register link while it holds the link's lock. */
export interface RegisterIO {
  /**
   * Reads `count` (1..125) registers from `address` (0-based, as on the wire) of unit `unit`.
   * Rejects with a TgError: TG_LINK_TIMEOUT (no reply in `timeoutMs`), TG_MODBUS_EXCEPTION (a
   * ModbusExceptionError carrying `exceptionCode`), TG_PARSE_ERROR (bad CRC or malformed frame),
   * TG_CIRCUIT_OPEN (the unit is resting after repeated failures: nothing was sent),
   * TG_LINK_DOWN / TG_LINK_CLOSED (no connection), TG_ABORTED.
   */
  readRegisters(
    unit: number,
    fc: RegisterFunction,
    address: number,
    count: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RegisterReadResult>;
}

/** One unit id's health on a register link, as its circuit breaker sees it. */
export interface RegisterUnitStatus {
  unit: number;
  breaker: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  requests: number;
  failures: number;
}

/** Register transports (Modbus RTU on one RS-485 bus, Modbus TCP to a device or a gateway). */
export interface RegisterLink {
  readonly kind: 'registers';
  readonly id: string;
  start(): void;
  close(): Promise<void>;
  status(): LinkStatus;
  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` with exclusive use of the bus (one lock per physical bus or connection, shared by
   *  every unit id on it). Re-entrant within one async call chain. */
  exclusive<T>(fn: (io: RegisterIO) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** The unit ids seen on this link so far. */
  units(): RegisterUnitStatus[];
  readonly generation: number;
}

export type Link = LineLink | RegisterLink;
export type LinkKind = Link['kind'];
