#!/usr/bin/env node
// Makes sure the system programs the tests run for real are installed (Debian packages).
// As root it installs what is missing with apt-get; otherwise it fails with one line naming them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** program on the PATH (or a path that must exist) -> the Debian package that provides it */
export const SYSTEM_DEPS = [
  { check: 'socat', pkg: 'socat', why: 'pseudo-terminal pairs for serial tests' },
  { check: 'mbpoll', pkg: 'mbpoll', why: 'an independent Modbus client in conformance tests' },
  { check: '/usr/bin/chromium', pkg: 'chromium', why: 'the status page, driven by playwright-core in the browser test' },
  { check: 'openssl', pkg: 'openssl', why: 'a self-signed certificate for the TLS test' },
  { check: '/usr/lib/python3/dist-packages/pyvisa_py', pkg: 'python3-pyvisa-py', why: 'an independent VISA client in conformance tests' },
  { check: '/usr/bin/influxd', pkg: 'influxdb', why: 'the InfluxDB 1.x server the InfluxDB sink tests write to' },
  { check: '/usr/sbin/mosquitto', pkg: 'mosquitto', why: 'the MQTT broker the platform sink tests publish to' },
  // The version folder differs per Debian release (15 in bookworm, 17 in trixie): any will do.
  { check: '/usr/lib/postgresql/*/bin/postgres', pkg: 'postgresql', why: "the PostgreSQL server the pilot's shared store tests start" },
];

/** A path with one `*` level matches when any entry there completes it. */
function pathExists(check) {
  const star = check.indexOf('/*/');
  if (star < 0) return existsSync(check);
  const parent = check.slice(0, star);
  const rest = check.slice(star + 2);
  try {
    return readdirSync(parent).some((entry) => existsSync(`${parent}/${entry}${rest}`));
  } catch {
    return false;
  }
}

/**
 * Only PostgreSQL's server binaries are needed (the tests start their own clusters), so the
 * package should not create and start a `main` cluster: install postgresql-common first and turn
 * `create_main_cluster` off, as the official postgres container image does.
 */
function noMainCluster(env) {
  const conf = '/etc/postgresql-common/createcluster.conf';
  try {
    if (!existsSync(conf)) execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql-common'], { stdio: 'inherit', env });
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^#?\s*create_main_cluster\b.*$/m, 'create_main_cluster = false'));
  } catch {
    // best effort: an unused main cluster does no harm to the tests
  }
}

const has = (check) => (check.startsWith('/') ? pathExists(check) : spawnSync('sh', ['-c', `command -v ${check}`]).status === 0);

const missing = SYSTEM_DEPS.filter((d) => !has(d.check));
if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.map((d) => d.pkg))];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`missing system packages for the tests: sudo apt-get install -y ${pkgs.join(' ')}`);
  process.exit(1);
}
console.error(`installing system packages for the tests: ${pkgs.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
if (pkgs.includes('postgresql')) noMainCluster(env);
try {
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
} catch {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
}
const still = SYSTEM_DEPS.filter((d) => !has(d.check));
if (still.length > 0) {
  console.error(`still missing after apt-get: ${still.map((d) => d.pkg).join(' ')}`);
  process.exit(1);
}
