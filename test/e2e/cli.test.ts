/**
 * The command line as a user meets it: help for every command, the version, unknown options and
 * missing values refused with exit 2 and a pointer to --help, and output to a closed pipe ending
 * quietly. Each case runs bin/travelgate as its own process.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const COMMANDS = ['run', 'check-config', 'simulate', 'pilot', 'schema', 'drift', 'keygen', 'export', 'verify', 'health'];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/travelgate', ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('travelgate on the command line', () => {
  it('prints the version with --version and -V, and an overview of every command with --help and help', async () => {
    for (const flag of ['--version', '-V']) expect(await cli(flag)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect((await cli('help')).stdout).toBe(help.stdout);
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(help.stdout);
  });

  it.each(COMMANDS)('%s --help explains the command and its options', async (command) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^usage: travelgate ${command}`));
    expect(r.stdout).toContain('  -h, --help');
    expect((await cli('help', command)).stdout).toBe(r.stdout);
  });

  it('refuses an unknown option, a missing value, an extra argument or an unknown command with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['schema', '--bogus'], /^travelgate schema: unknown option --bogus \(see travelgate schema --help\)\n$/],
      [['run', '--config', 'config/demo.yaml', '--frobnicate'], /^travelgate run: unknown option --frobnicate/],
      [['keygen', '--out'], /^travelgate keygen: --out needs a value/],
      [['keygen', '--force=yes', '--out', 'x'], /^travelgate keygen: --force takes no value/],
      [['verify', 'a', 'b', '--public-key', 'k'], /^travelgate verify: unexpected argument "b"/],
      [['drift'], /^travelgate drift: missing argument/],
      [['export', '--config', 'config/demo.yaml', '--from', 'x'], /^travelgate export: --from needs a sequence number/],
      [['frob'], /^travelgate: unknown command "frob" \(see travelgate --help\)/],
      [['--frob'], /^travelgate: unknown option --frob/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const noConfig = await cli('check-config');
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/check-config needs --config FILE \(or TRAVELGATE_CONFIG in the environment\)/);
  });

  it('ends quietly when its output pipe closes: travelgate schema | head -1', async () => {
    // The schema is far larger than a pipe's buffer, so the write meets the closed pipe (EPIPE).
    const child = spawn('bash', ['-c', 'set -o pipefail; "$0" bin/travelgate schema | head -1', process.execPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stdout).toBe('{\n');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
