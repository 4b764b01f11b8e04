import { connect, type Socket } from 'node:net';
import { timerMs } from '../core/clock.js';
import { TgError } from '../core/errors.js';

/**
 * Opens a TCP connection with a connect timeout and an abort signal, shared by the line and the
 * Modbus TCP links. Resolves with a connected socket (no delay, keep-alive on); rejects with
 * TG_LINK_TIMEOUT, TG_ABORTED, or TG_LINK_DOWN naming `address` and the system error.
 */
export function connectTcp(
  endpoint: { host: string; port: number },
  address: string,
  connectTimeoutMs: number,
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new TgError('TG_ABORTED'));
    const socket: Socket = connect({ host: endpoint.host, port: endpoint.port });
    const fail = (err: Error) => {
      cleanup();
      // A connect error may already be queued when the timeout or the abort destroys the socket:
      // it must not reach an empty 'error' listener list (that would crash the process).
      socket.on('error', () => undefined);
      socket.destroy();
      reject(err instanceof TgError ? err : new TgError('TG_LINK_DOWN', `${address}: ${err.message}`));
    };
    const onError = (err: Error) => fail(err);
    const onAbort = () => fail(new TgError('TG_ABORTED'));
    const timer = setTimeout(() => fail(new TgError('TG_LINK_TIMEOUT', `connect to ${address}`)), timerMs(connectTimeoutMs));
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
