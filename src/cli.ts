import { parseArgs } from 'node:util';
import { VERSION } from './version.js';

// Each command's module is imported when it runs: the gateway process never loads the code of
// verify, export or the schema generator, nor they the gateway's.

const USAGE = `travelgate ${VERSION}: data-acquisition gateway for travelling transfer standards

usage:
  travelgate run --config FILE            run the gateway (and the configuration's simulators)
  travelgate check-config --config FILE   validate a configuration; exit 2 with every problem
  travelgate simulate --config FILE       run only the configuration's simulators
  travelgate schema                       print the configuration's JSON Schema
  travelgate keygen --out FILE [--force]  create an Ed25519 seal key: FILE (0600) and FILE.pub;
                                          prints the public key
  travelgate export --config FILE [--from SEQ] [--to SEQ]
                                          write journal records and seals as NDJSON to stdout,
                                          up to the last seal in the range
  travelgate verify FILE --public-key KEYFILE.pub
                                          check an export or collected MQTT payloads: chain,
                                          seals, no missing seq; exit 0, or 1 and the first failure
  travelgate drift FILE.csv [--epoch T]   drift fit of a CSV (time,value[,u]; ISO 8601 UTC or
                                          decimal days) with the online check's code: one JSON
                                          object {n, slopePerDay, uSlopePerDay, t0, valueAtT0, ...}
  travelgate --version | --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      epoch: { type: 'string' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const needConfig = (): string => {
    if (!values.config) throw new UsageError(`${command} needs --config FILE`);
    return values.config;
  };
  switch (command) {
    case 'drift': {
      const file = positionals[1];
      if (!file) throw new UsageError('drift needs FILE.csv');
      return (await import('./cli/drift.js')).drift(file, values.epoch);
    }
    case 'run':
      return (await import('./cli/run.js')).run(needConfig());
    case 'pilot': return (await import('./cli/pilot.js')).pilot(needConfig()); // the comparison platform's receiver (src/pilot/)
    case 'check-config':
      return (await import('./cli/check-config.js')).checkConfig(needConfig());
    case 'simulate':
      return (await import('./cli/simulate.js')).simulate(needConfig());
    case 'keygen':
      if (!values.out) throw new UsageError('keygen needs --out FILE');
      return (await import('./cli/keygen.js')).keygen(values.out, { force: values.force === true });
    case 'export': {
      const range = { from: seqOption('--from', values.from), to: seqOption('--to', values.to) };
      return (await import('./cli/export.js')).exportJournal(needConfig(), range);
    }
    case 'verify': {
      const file = positionals[1];
      const keys = values['public-key'] ?? [];
      if (!file || positionals.length > 2) throw new UsageError('verify needs one FILE (or - for stdin)');
      if (keys.length === 0) throw new UsageError('verify needs --public-key KEYFILE.pub');
      return (await import('./cli/verify.js')).verifyFile(file, keys);
    }
    case 'schema': {
      const [{ configJsonSchema }, { registry }] = await Promise.all([import('./config/json-schema.js'), import('./registry.js')]);
      process.stdout.write(configJsonSchema(registry));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function seqOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${name} needs a sequence number, got "${value}"`);
  return Number(value);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`travelgate: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`travelgate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
