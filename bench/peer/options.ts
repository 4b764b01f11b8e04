/**
 * The peer suite's knobs, from the command line (`npm run bench -- peer --seconds 10`) or the
 * environment (PEER_SECONDS=10 npm run bench -- peer). A flag wins over its variable; defaults are
 * the workloads: W1 60 s, W2 120 s, after 5 s of warm-up.
 *
 *   --seconds N         both windows (PEER_SECONDS)
 *   --w1-seconds N      W1's window (PEER_W1_SECONDS)
 *   --w2-seconds N      W2's window (PEER_W2_SECONDS)
 *   --warmup N          seconds between "first value in InfluxDB" and the window (PEER_WARMUP_SECONDS)
 *   --workload W1[,W2]  run only these workloads (PEER_WORKLOADS)
 *   --rounds N          run each workload's pair N times, the peers' order alternating, and judge
 *                       the goals on the median of the rounds' ratios (PEER_ROUNDS; default 1)
 *   PEER_GATEWAY_FLAGS  more Node flags for the gateway, after the deployed ones (so they win): e.g.
 *                       "--cpu-prof --cpu-prof-dir=/tmp/prof" (Node refuses it in NODE_OPTIONS)
 *   PEER_BARE_FLAGS     the same for the bare loop, to profile the baseline the same way
 *   PEER_GATEWAY_CLI    run this prebuilt dist/src/cli.js instead of building the checkout (an A/B
 *                       against another commit's build: `git worktree add`, `npm run build` there)
 *   PEER_LOG_DIR        keep every process's output there, a file per process (node-process.ts)
 */
import { WORKLOAD_NAMES, workload, type Workload, type WorkloadName } from './workloads.js';

export interface PeerOptions {
  workloads: Workload[];
  warmupSeconds: number;
  /** How many times each workload's pair runs (the ratios' median is judged). */
  rounds: number;
  /** How long the idle gateway runs after its first record before its RSS is read. */
  idleSettleSeconds: number;
  /** Node flags the gateway runs with after the deployed ones, so they win (profiling, experiments). */
  gatewayFlags: string[];
  /** Node flags the bare loop runs with (the same experiments on the baseline). */
  bareFlags: string[];
  /** A prebuilt gateway CLI to run instead of building this checkout. */
  gatewayCli: string | undefined;
}

const DEFAULT_WINDOW: Record<WorkloadName, number> = { W1: 60, W2: 120 };
const DEFAULT_WARMUP_SECONDS = 5;
const IDLE_SETTLE_SECONDS = 20;

/** The value after `--name` (or in `--name=value`), if given. */
function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/** `text` as a number that `valid` accepts, `fallback` when absent; else an error naming `what`. */
function numberOption(what: string, text: string | undefined, fallback: number, valid: (n: number) => boolean, expected: string): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!valid(n)) throw new Error(`peer bench: ${what} must be ${expected}, got "${text}"`);
  return n;
}

const seconds = (what: string, text: string | undefined, fallback: number) =>
  numberOption(what, text, fallback, (n) => Number.isFinite(n) && n > 0, 'a positive number of seconds');
const count = (what: string, text: string | undefined, fallback: number) =>
  numberOption(what, text, fallback, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');

const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter(Boolean);

export function parsePeerOptions(argv: readonly string[], env: NodeJS.ProcessEnv): PeerOptions {
  const both = flag(argv, 'seconds') ?? env.PEER_SECONDS;
  const windowOf = (name: WorkloadName): number => {
    const own = flag(argv, `${name.toLowerCase()}-seconds`) ?? env[`PEER_${name}_SECONDS`];
    return seconds(`the ${name} window`, own ?? both, DEFAULT_WINDOW[name]);
  };
  const chosen = (flag(argv, 'workload') ?? env.PEER_WORKLOADS ?? WORKLOAD_NAMES.join(','))
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const name of chosen) {
    if (!(WORKLOAD_NAMES as readonly string[]).includes(name)) throw new Error(`peer bench: unknown workload "${name}" (${WORKLOAD_NAMES.join(', ')})`);
  }
  return {
    workloads: WORKLOAD_NAMES.filter((n) => chosen.includes(n)).map((n) => workload(n, windowOf(n))),
    warmupSeconds: seconds('the warm-up', flag(argv, 'warmup') ?? env.PEER_WARMUP_SECONDS, DEFAULT_WARMUP_SECONDS),
    rounds: count('--rounds', flag(argv, 'rounds') ?? env.PEER_ROUNDS, 1),
    idleSettleSeconds: IDLE_SETTLE_SECONDS,
    gatewayFlags: words(env.PEER_GATEWAY_FLAGS),
    bareFlags: words(env.PEER_BARE_FLAGS),
    gatewayCli: env.PEER_GATEWAY_CLI || undefined,
  };
}
