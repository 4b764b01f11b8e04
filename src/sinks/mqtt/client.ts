/**
 * An MQTT.js client for an mqtt:// or mqtts:// broker, made without MQTT.js's `connect()`: that
 * function loads every transport it knows (WebSocket with `ws`, SOCKS, TLS, ...) on its first
 * call, about 2.5 MiB of resident memory for transports a gateway never uses. Here the client
 * class alone is loaded (`mqtt/lib/client`, not the package's index, which bundles `connect()`
 * and its transports in), and it gets a stream builder that opens a TCP or TLS socket itself;
 * Node's TLS is loaded only for a TLS connection.
 *
 * Contract:
 * - `openMqttClient(url, options)` loads MQTT.js on its first call (a process without MQTT never
 *   pays for it) and returns a client that is connecting; the builder opens a fresh socket on each
 *   (re)connect, with TCP_NODELAY (MQTT.js leaves Nagle's algorithm on: each small PUBLISH or
 *   PUBACK would wait for the delayed ACK of the one before, tens of ms).
 * - Ports default to 1883 (mqtt://) and 8883 (mqtts://); a user name and password in the URL are
 *   used when the options give none.
 * - TLS (mqtts://, or mqtt:// with a client certificate and key, as MQTT.js does) verifies the
 *   broker unless `rejectUnauthorized` is false, names it by SNI when it is a host name, and
 *   fails the connection when the broker's certificate is not authorised.
 * - Not supported (a gateway's configuration only allows mqtt:// and mqtts://): WebSocket, SOCKS
 *   proxies (MQTTJS_SOCKS_PROXY), Unix sockets.
 */
import { createConnection, isIP } from 'node:net';
import type { IClientOptions, IStream, MqttClient } from 'mqtt';

export async function openMqttClient(url: string, options: IClientOptions): Promise<MqttClient> {
  const broker = new URL(url);
  if (broker.protocol !== 'mqtt:' && broker.protocol !== 'mqtts:') throw new Error(`expected an mqtt:// or mqtts:// URL, not ${broker.protocol}//`);
  const secure = broker.protocol === 'mqtts:' || (options.cert !== undefined && options.key !== undefined);
  const host = broker.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = broker.port ? Number(broker.port) : secure ? 8883 : 1883;
  const fromUrl: IClientOptions = {};
  if (broker.username && options.username === undefined) fromUrl.username = decodeURIComponent(broker.username);
  if (broker.password && options.password === undefined) fromUrl.password = Buffer.from(decodeURIComponent(broker.password));
  // MQTT.js on Node's own streams, not on its copies of readable-stream (a port of them): the
  // bundle (scripts/build.mjs) leaves those copies out, and this makes an unbundled run (tests,
  // `npm start`) run the same streams. readable-stream reads the setting when it is loaded.
  process.env.READABLE_STREAM ??= 'disable';
  // The class is the `default` of a CommonJS module: Node's loader and the bundle give that
  // module's exports as the default export, Vitest's loader (which honours __esModule) the class.
  const { default: cjs } = await import('mqtt/lib/client');
  type Client = typeof cjs.default;
  const loaded = cjs as Client | typeof cjs;
  const Client: Client = typeof loaded === 'function' ? loaded : loaded.default;
  const tls = secure ? await import('node:tls') : undefined;
  const stream = (client: MqttClient): IStream => (tls ? tlsStream(tls.connect, client, host, port, options) : tcpStream(host, port));
  return new Client(stream, { ...options, ...fromUrl });
}

function tcpStream(host: string, port: number): IStream {
  const socket = createConnection({ host, port });
  socket.setNoDelay(true);
  return socket;
}

function tlsStream(tlsConnect: typeof import('node:tls').connect, client: MqttClient, host: string, port: number, o: IClientOptions): IStream {
  const verify = o.rejectUnauthorized !== false;
  const socket = tlsConnect({
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: verify,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.cert !== undefined ? { cert: o.cert } : {}),
    ...(o.key !== undefined ? { key: o.key } : {}),
  });
  socket.setNoDelay(true);
  // A TLS failure before the handshake ends is the client's error (MQTT.js's own TLS builder does
  // the same): the socket alone would only close.
  const beforeHandshake = (err: Error) => {
    if (verify) client.emit('error', err);
    socket.end();
  };
  socket.on('error', beforeHandshake);
  socket.on('secureConnect', () => {
    if (verify && !socket.authorized) socket.emit('error', new Error('TLS not authorized'));
    else socket.removeListener('error', beforeHandshake);
  });
  return socket;
}
