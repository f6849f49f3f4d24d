/**
 * The `wardlink-gateway` command line. `runCli` returns the exit code instead of exiting,
 * so tests drive it in-process as well as through a real child process.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '@wardlink/shared';
import { CliContext } from './context.js';
import { EXIT, processOut, reportError, type Out } from './output.js';
import { addSettingFlags, settingFlagValues } from './setting-flags.js';

export type CommandRegistrar = (program: Command, ctx: () => CliContext) => void;

/**
 * The commands, each loaded only when its name is on the command line: `run` then loads
 * the daemon and not the doctor, TLS or staff tools (nor their packages), and the other
 * commands do not load the daemon. With no known name (help, a typo) all are loaded, in
 * this order, for the full help and the suggestion. A name that is also an option's value
 * only loads one command more.
 */
interface LazyCommands {
  names: readonly string[];
  load(): Promise<CommandRegistrar>;
}

const commands: LazyCommands[] = [
  { names: ['config', 'init'], load: async () => (await import('./commands/config.js')).registerConfigCommands },
  { names: ['bed'], load: async () => (await import('./commands/bed.js')).registerBedCommands },
  { names: ['admissions', 'admit', 'discharge'], load: async () => (await import('./commands/admissions.js')).registerAdmissionCommands },
  { names: ['device'], load: async () => (await import('./commands/device.js')).registerDeviceCommands },
  { names: ['run'], load: async () => (await import('./commands/run.js')).registerRunCommand },
  { names: ['status'], load: async () => (await import('./commands/status.js')).registerStatusCommand },
  { names: ['rule'], load: async () => (await import('./commands/rules.js')).registerRuleCommands },
  { names: ['alarms'], load: async () => (await import('./commands/alarms.js')).registerAlarmCommands },
  { names: ['viewer'], load: async () => (await import('./commands/viewer.js')).registerViewerCommands },
  { names: ['staff'], load: async () => (await import('./commands/staff.js')).registerStaffCommands },
  { names: ['tls'], load: async () => (await import('./commands/tls.js')).registerTlsCommands },
  { names: ['quarantine'], load: async () => (await import('./commands/quarantine.js')).registerQuarantineCommands },
  { names: ['doctor'], load: async () => (await import('./commands/doctor.js')).registerDoctorCommand },
];

/** Registrars added by tests and later features; always registered, after the built-in ones. */
const added: CommandRegistrar[] = [];

export function addCommands(...more: CommandRegistrar[]): void {
  added.push(...more);
}

/** The registrars `argv` needs: those of the command names in it, else all. */
async function registrarsFor(argv: readonly string[]): Promise<CommandRegistrar[]> {
  // Help anywhere lists every command, whatever else the line names.
  const help = argv.some((a) => a === '-h' || a === '--help' || a === 'help');
  const named = help ? [] : commands.filter((c) => c.names.some((n) => argv.includes(n)));
  const loaded = await Promise.all((named.length > 0 ? named : commands).map((c) => c.load()));
  return [...loaded, ...added];
}

export async function runCli(argv: string[], opts: { out?: Out; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const json = argv.includes('--json');
  const out = opts.out ?? processOut(json);
  const env = opts.env ?? process.env;
  let context: CliContext | undefined;
  const program = new Command('wardlink-gateway')
    .description('Wardlink ward gateway: ingest bedside monitors, buffer, alarm, upload')
    .option('-c, --config <path>', 'config file (default: $WARDLINK_GATEWAY_CONFIG or .wardlink/gateway/gateway.json)')
    .option('--json', 'print machine-readable JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: () => undefined })
    .showSuggestionAfterError(true);
  addSettingFlags(program);
  const ctx = () => {
    context ??= new CliContext(out, env, program.opts<{ config?: string }>().config, settingFlagValues(program));
    return context;
  };
  for (const register of await registrarsFor(argv)) register(program, ctx);
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
    context?.close();
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
