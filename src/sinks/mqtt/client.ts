/**
 * An MQTT.js client for an mqtt:// or mqtts:// broker, made without MQTT.js's `connect()`: that
 * function loads every transport it knows (WebSocket with `ws`, SOCKS, TLS, ...) on its first
 * call, about 2.5 MiB of resident memory for transports a gateway never uses. Here the client
 * class gets a stream builder that opens a TCP or TLS socket itself.
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
import { connect as tlsConnect } from 'node:tls';
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
  // The default export (MQTT.js's module.exports, a CommonJS module): a bundled build's import of a
  // CommonJS module has no named exports, only this.
  const { default: mqtt } = await import('mqtt');
  return new mqtt.MqttClient((client) => (secure ? tlsStream(client, host, port, options) : tcpStream(host, port)), { ...options, ...fromUrl });
}

function tcpStream(host: string, port: number): IStream {
  const socket = createConnection({ host, port });
  socket.setNoDelay(true);
  return socket;
}

function tlsStream(client: MqttClient, host: string, port: number, o: IClientOptions): IStream {
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
