import { commandHelp, overview, parseCommand, UsageError, type CommandSpec, type OptionSpec, type Values } from './cli/args.js';
import { VERSION } from './version.js';

// The command table. Each command's module is imported when it runs: the gateway process never
// loads the code of verify, export or the schema generator, nor they the gateway's, and --help
// loads none of them. The build (scripts/build.mjs) makes each `./cli/<command>.js` imported here
// a bundle of its own, found by that path.

const CONFIG: OptionSpec = { type: 'string', short: 'c', arg: 'FILE', help: 'the configuration file (default: $TRAVELGATE_CONFIG)' };
const ENV_FILE: OptionSpec = {
  type: 'string',
  arg: 'FILE',
  help: 'read NAME=value lines into the environment first, e.g. /etc/travelgate/travelgate.env',
};
const configOptions = { config: CONFIG, 'env-file': ENV_FILE };

/** The configuration file of a command: --config, else $TRAVELGATE_CONFIG; loads --env-file first. */
function configFile(command: string, values: Values): string {
  const envFile = values['env-file'];
  if (typeof envFile === 'string') {
    try {
      process.loadEnvFile(envFile);
    } catch (err) {
      throw new UsageError(`cannot read --env-file ${envFile}: ${(err as Error).message}`, command);
    }
  }
  const file = (values.config as string | undefined) ?? process.env.TRAVELGATE_CONFIG;
  if (!file) throw new UsageError(`${command} needs --config FILE (or TRAVELGATE_CONFIG in the environment)`, command);
  return file;
}

function seqOption(command: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${name} needs a sequence number, got "${s}"`, command);
  return Number(s);
}

const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    summary: 'run the gateway (and the configuration\'s simulators) until SIGTERM or SIGINT',
    usage: '--config FILE',
    description:
      "Runs the gateway: reads the instruments, runs the checks, keeps every reading in the journal, forwards it to the sinks and serves the status page and API. SIGTERM or SIGINT stops it cleanly (loops stop, the journal is flushed, sealed and closed) with exit 0.\n\nA configuration it cannot run with, a port in use, a missing seal key or a second gateway on the same data folder stop it at once with one line saying what to do, exit 2.",
    options: configOptions,
    run: async (v) => (await import('./cli/run.js')).run(configFile('run', v)),
  },
  {
    name: 'check-config',
    summary: 'validate a configuration and what it needs from this machine',
    usage: '--config FILE',
    description:
      'Validates a configuration as `run` reads it (every problem at once, each as `path: message`), then what it needs from this machine: the seal key, the files it names, a writable data folder. Warnings (no operator token, a serial port not present) are printed but do not fail. Exit 0 when it would start, 2 otherwise.',
    options: configOptions,
    run: async (v) => (await import('./cli/check-config.js')).checkConfig(configFile('check-config', v)),
  },
  {
    name: 'simulate',
    summary: "run only the configuration's simulators and print where each listens",
    usage: '--config FILE',
    description: "Runs the configuration's simulated instruments as their own process until SIGTERM or SIGINT, and prints where each listens (TCP address, pseudo-terminal path).",
    options: configOptions,
    run: async (v) => (await import('./cli/simulate.js')).simulate(configFile('simulate', v)),
  },
  {
    name: 'pilot',
    summary: "run the comparison platform's receiver and the pilot's view",
    usage: '--config FILE',
    description: "Runs the pilot laboratory's receiver (the comparison platform side: MQTT subscriber, chain verification, the pilot's view) until SIGTERM or SIGINT. See config/pilot.example.yaml.",
    options: configOptions,
    run: async (v) => (await import('./cli/pilot.js')).pilot(configFile('pilot', v)),
  },
  {
    name: 'schema',
    summary: "print the configuration's JSON Schema",
    usage: '',
    description: 'Prints the JSON Schema of the configuration file (what config/schema.json holds; editors use it through the yaml-language-server line at the top of config/*.yaml).',
    options: {},
    run: async () => (await import('./cli/schema.js')).schema(),
  },
  {
    name: 'drift',
    summary: "the online check's drift fit of a CSV file",
    usage: 'FILE.csv [--epoch T]',
    description:
      'Fits the drift of a series with the code of the online check: CSV with the header `time,value` or `time,value,u` (ISO 8601 UTC or decimal days). Prints one JSON object {n, slopePerDay, uSlopePerDay, t0, valueAtT0, uValueAtT0, residualSd, r2}; exit 2 with every problem of the file.',
    options: { epoch: { type: 'string', arg: 'T', help: 'the time origin: ISO 8601 for ISO times, a decimal day for decimal days' } },
    positionals: [1, 1],
    run: async (v, p) => (await import('./cli/drift.js')).drift(p[0]!, v.epoch as string | undefined),
  },
  {
    name: 'keygen',
    summary: 'create an Ed25519 seal key pair',
    usage: '--out FILE [--force]',
    description:
      'Creates the Ed25519 key that signs the seals: the private key in FILE (mode 0600), the public key in FILE.pub, and prints the public key. Run it as the user the gateway runs as, keep a copy of FILE offline, and send FILE.pub to the pilot laboratory. Refuses to overwrite without --force.',
    options: {
      out: { type: 'string', short: 'o', arg: 'FILE', help: 'where the private key goes (the public key: FILE.pub)' },
      force: { type: 'boolean', help: 'replace an existing pair' },
    },
    run: async (v) => {
      if (typeof v.out !== 'string') throw new UsageError('keygen needs --out FILE', 'keygen');
      return (await import('./cli/keygen.js')).keygen(v.out, { force: v.force === true });
    },
  },
  {
    name: 'export',
    summary: "write the journal's records and seals as NDJSON to stdout",
    usage: '--config FILE [--from SEQ] [--to SEQ]',
    description:
      'Writes the journal records and seals of the configuration\'s journal as NDJSON to stdout, up to the last seal in the range (stderr says what it left out). Safe while the gateway runs: the journal is read, never written.',
    options: {
      ...configOptions,
      from: { type: 'string', arg: 'SEQ', help: "the first sequence number (default: the journal's first)" },
      to: { type: 'string', arg: 'SEQ', help: "the last sequence number (default: the journal's last)" },
    },
    run: async (v) => {
      const range = { from: seqOption('export', '--from', v.from), to: seqOption('export', '--to', v.to) };
      return (await import('./cli/export.js')).exportJournal(configFile('export', v), range);
    },
  },
  {
    name: 'verify',
    summary: 'check an export or collected MQTT payloads: chain, seals, no missing seq',
    usage: 'FILE --public-key KEYFILE.pub',
    description:
      'Checks an export, or a file of collected MQTT payloads (any order, duplicates allowed): every hash, the chain, no missing sequence number, every seal\'s signature. FILE - reads stdin. Exit 0 with a summary, or 1 printing the first failure as `FAILED at seq N: reason`.',
    options: { 'public-key': { type: 'string', short: 'k', multiple: true, arg: 'KEYFILE.pub', help: 'a public key the seals may be signed with (rotated keys: one each)' } },
    positionals: [1, 1],
    run: async (v, p) => {
      const keys = (v['public-key'] as string[] | undefined) ?? [];
      if (keys.length === 0) throw new UsageError('verify needs --public-key KEYFILE.pub', 'verify');
      return (await import('./cli/verify.js')).verifyFile(p[0]!, keys);
    },
  },
  {
    name: 'health',
    summary: 'is the gateway up? GET /healthz at its configured address',
    usage: '[--config FILE | --url URL]',
    description:
      "Asks the gateway the configuration describes (its api.host, api.port and TLS) for /healthz: exit 0 when it answers 200, 1 when it does not. The container image's HEALTHCHECK runs it, so it follows the configured port.",
    options: { ...configOptions, url: { type: 'string', arg: 'URL', help: 'ask this base URL instead, e.g. http://127.0.0.1:8080' } },
    run: async (v) => {
      const { health } = await import('./cli/health.js');
      return typeof v.url === 'string' ? health({ url: v.url }) : health({ config: configFile('health', v) });
    },
  },
];

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(overview(COMMANDS, VERSION));
    return 0;
  }
  if (first === undefined) {
    process.stderr.write(overview(COMMANDS, VERSION));
    return 2;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      process.stdout.write(overview(COMMANDS, VERSION));
      return 0;
    }
    const spec = COMMANDS.find((c) => c.name === rest[0]);
    if (!spec) throw new UsageError(`unknown command "${rest[0]}"`);
    process.stdout.write(commandHelp(spec));
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (options come after the command)`);
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) throw new UsageError(`unknown command "${first}"`);
  const { values, positionals, help } = parseCommand(spec, rest);
  if (help) {
    process.stdout.write(commandHelp(spec));
    return 0;
  }
  return spec.run(values, positionals);
}

// Output to a closed pipe (`travelgate schema | head -1`) ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      const see = err.command ? `travelgate ${err.command} --help` : 'travelgate --help';
      process.stderr.write(`travelgate${err.command ? ` ${err.command}` : ''}: ${err.message} (see ${see})\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`travelgate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
