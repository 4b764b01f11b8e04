/**
 * Debian's mosquitto (2.0) on a free loopback port with its own temporary folder and config.
 * Persistence is on and saved every second (and on SIGTERM), so sessions and queued messages survive
 * a restart, and a SIGKILL loses at most the last second of broker state. As root, mosquitto drops to its own user, so
 * the persistence folder belongs to `mosquitto`. Outgoing in-flight and queue limits are off, so
 * a connected subscriber is written every message at once (nothing waits only in broker memory).
 * With `secure`, a second listener speaks TLS with client certificates required (made with
 * openssl in the broker's folder: a CA, the broker's certificate for 127.0.0.1, a client's) and a
 * password file; the plain listener stays open to anonymous local subscribers (the test's eyes).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, freePort, tcpAnswers, type ManagedServer } from './daemon.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface MosquittoServer extends ManagedServer {
  /** Resolves once the broker saved its state (sessions, subscriptions) after `sinceMs` (epoch ms):
   *  from then on a SIGKILL cannot lose what existed before `sinceMs`. */
  savedSince(sinceMs: number, timeoutMs?: number): Promise<void>;
  /** With `secure`: the TLS listener and the files a client needs. */
  tls?: { url: string; ca: string; cert: string; key: string; otherCa: string; otherCert: string; otherKey: string };
}

export interface MosquittoOptions {
  /** A TLS listener with client certificates and this password file's users. */
  secure?: { users: Record<string, string> };
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-mosquitto-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  mkdirSync(data);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim());
    chownSync(data, uid, gid);
  }
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  let tls: MosquittoServer['tls'];
  const secureLines: string[] = [];
  if (options.secure) {
    const tlsPort = await freePort();
    const pki = makePki(dir);
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(options.secure.users)) execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim());
      for (const f of [passwd, pki.serverKey]) chownSync(f, uid, 0);
    }
    secureLines.push(
      `listener ${tlsPort} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `cafile ${pki.ca}`,
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      'require_certificate true',
      'tls_version tlsv1.2',
    );
    tls = { url: `mqtts://127.0.0.1:${tlsPort}`, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, otherCa: pki.otherCa, otherCert: pki.otherCert, otherKey: pki.otherKey };
  }
  writeFileSync(
    config,
    [
      ...(options.secure ? ['per_listener_settings true'] : []),
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${data}/`,
      'autosave_interval 1',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...secureLines,
      '',
    ].join('\n'),
  );
  const daemon = new Daemon('mosquitto', MOSQUITTO, ['-c', config], () => tcpAnswers(port));
  await daemon.start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    ...(tls ? { tls } : {}),
    port,
    dir,
    daemon,
    stop: () => daemon.stop(),
    kill: () => daemon.kill(),
    start: () => daemon.start(),
    restart: () => daemon.restart(),
    close: async () => {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    savedSince: async (sinceMs, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      const savedAt = () => {
        try {
          return statSync(join(data, 'mosquitto.db')).mtimeMs;
        } catch {
          return 0;
        }
      };
      while (savedAt() <= sinceMs) {
        if (Date.now() > deadline) throw new Error('mosquitto did not save its state');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A CA, a broker certificate for 127.0.0.1 and a client certificate signed by it, and a client
 *  certificate from another CA (one the broker does not trust), made with openssl. */
function makePki(dir: string) {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ca = (name: string) => {
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`);
  };
  const leaf = (name: string, caName: string, subject: string, ext: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject);
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  ca('test-ca');
  ca('other-ca');
  leaf('broker', 'test-ca', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'test-ca', '/CN=travelgate-test', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'other-ca', '/CN=stranger', 'extendedKeyUsage=clientAuth\n');
  for (const n of ['test-ca.pem', 'broker.pem', 'broker.key']) chmodSync(f(n), 0o644);
  return {
    ca: f('test-ca.pem'),
    serverCert: f('broker.pem'),
    serverKey: f('broker.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    otherCa: f('other-ca.pem'),
    otherCert: f('stranger.pem'),
    otherKey: f('stranger.key'),
  };
}
