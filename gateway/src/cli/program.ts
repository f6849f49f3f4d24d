/**
 * The `wardlink-gateway` command line. `runCli` returns the exit code instead of exiting,
 * so tests drive it in-process as well as through a real child process.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '@wardlink/shared';
import { registerAdmissionCommands } from './commands/admissions.js';
import { registerAlarmCommands } from './commands/alarms.js';
import { registerBedCommands } from './commands/bed.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDeviceCommands } from './commands/device.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerRuleCommands } from './commands/rules.js';
import { registerQuarantineCommands } from './commands/quarantine.js';
import { registerRunCommand } from './commands/run.js';
import { registerStaffCommands } from './commands/staff.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTlsCommands } from './commands/tls.js';
import { registerViewerCommands } from './commands/viewer.js';
import { CliContext } from './context.js';
import { EXIT, processOut, reportError, type Out } from './output.js';
import { addSettingFlags, settingFlagValues } from './setting-flags.js';

export type CommandRegistrar = (program: Command, ctx: () => CliContext) => void;

/** Later features (run, status, rules, alarms) plug in here. */
const registrars: CommandRegistrar[] = [
  registerConfigCommands,
  registerBedCommands,
  registerAdmissionCommands,
  registerDeviceCommands,
  registerRunCommand,
  registerStatusCommand,
  registerRuleCommands,
  registerAlarmCommands,
  registerViewerCommands,
  registerStaffCommands,
  registerTlsCommands,
  registerQuarantineCommands,
  registerDoctorCommand,
];

export function addCommands(...more: CommandRegistrar[]): void {
  registrars.push(...more);
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
    context?.close();
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
