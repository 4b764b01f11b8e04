/**
 * Debian's mosquitto (2.0) on a free loopback port with its own temporary folder and config.
 * Persistence is on and saved every second (and on SIGTERM), so sessions and queued messages survive
 * a restart, and a SIGKILL loses at most the last second of broker state. As root, mosquitto drops to its own user, so
 * the persistence folder belongs to `mosquitto`. Outgoing in-flight and queue limits are off, so
 * a connected subscriber is written every message at once (nothing waits only in broker memory).
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
}

export async function startMosquitto(): Promise<MosquittoServer> {
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
  writeFileSync(
    config,
    [
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
      '',
    ].join('\n'),
  );
  const daemon = new Daemon('mosquitto', MOSQUITTO, ['-c', config], () => tcpAnswers(port));
  await daemon.start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
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
