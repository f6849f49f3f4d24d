/**
 * The `wardlink-cloud` command line. `runCli` returns the exit code instead of exiting,
 * so tests drive it in-process as well as through a real child process.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '@wardlink/shared';
import { registerClusterCommands } from './commands/cluster.js';
import { registerGatewayCommands } from './commands/gateway.js';
import { registerHospitalCommands } from './commands/hospital.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReaderCommands } from './commands/reader.js';
import { registerServeCommand } from './commands/serve.js';
import { registerLifecycleCommands } from './commands/lifecycle/index.js';
import { CliContext } from './context.js';
import { EXIT, processOut, reportError, type Out } from './output.js';

export type CommandRegistrar = (program: Command, ctx: () => CliContext) => void;

/** Later features (partitions, retention, capacity, reports) plug in here. */
const registrars: CommandRegistrar[] = [
  registerMigrateCommand,
  registerServeCommand,
  registerGatewayCommands,
  registerHospitalCommands,
  registerReaderCommands,
  registerLifecycleCommands,
  registerClusterCommands,
];

export function addCommands(...more: CommandRegistrar[]): void {
  registrars.push(...more);
}

export async function runCli(argv: string[], opts: { out?: Out; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const json = argv.includes('--json');
  const out = opts.out ?? processOut(json);
  const env = opts.env ?? process.env;
  let context: CliContext | undefined;
  const program = new Command('wardlink-cloud')
    .description('Wardlink cloud sync service: ingest gateway batches into PostgreSQL, manage gateways and the schema')
    .option('-c, --config <path>', 'JSON config file (default: $WARDLINK_CLOUD_CONFIG)')
    .option('--json', 'print machine-readable JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: () => undefined })
    .showSuggestionAfterError(true);
  const ctx = () => {
    context ??= new CliContext(out, env, program.opts<{ config?: string }>().config);
    return context;
  };
  for (const register of registrars) register(program, ctx);
  for (const cmd of allCommands(program)) cmd.exitOverride().configureOutput({ writeOut: (s) => out.stdout(s), writeErr: () => undefined });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return reportError(out, new UsageError(err.message.replace(/^error: /, ''), { commanderCode: err.code }));
    }
    return reportError(out, err);
  } finally {
    await context?.close();
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
