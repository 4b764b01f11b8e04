import { parseArgs } from 'node:util';
import { checkConfig } from './cli/check-config.js';
import { run } from './cli/run.js';
import { simulate } from './cli/simulate.js';
import { configJsonSchema } from './config/json-schema.js';
import { registry } from './registry.js';
import { VERSION } from './version.js';

const USAGE = `travelgate ${VERSION}: data-acquisition gateway for travelling transfer standards

usage:
  travelgate run --config FILE            run the gateway (and the configuration's simulators)
  travelgate check-config --config FILE   validate a configuration; exit 2 with every problem
  travelgate simulate --config FILE       run only the configuration's simulators
  travelgate schema                       print the configuration's JSON Schema
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
    case 'run':
      return run(needConfig());
    case 'check-config':
      return checkConfig(needConfig());
    case 'simulate':
      return simulate(needConfig());
    case 'schema':
      process.stdout.write(configJsonSchema(registry));
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

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
