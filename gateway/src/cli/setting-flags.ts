/**
 * The settings table's command-line flags (`--log-level`, `--http-port`, ...), offered by
 * every command like `--config`: the flag wins over the environment and the config file.
 * Every command takes them, not just `run`, so `status` or `config show` given the same
 * flags sees the configuration the daemon runs with. A flag is in the table (config/
 * settings.ts), so adding one there is all it takes; shared/src/settings/flags.ts words
 * the options and reads their values back, for the cloud's `serve` too.
 */
import { Option, type Command } from 'commander';
import { settingFlags, settingFlagValues as flagValues } from '@wardlink/shared';
import { SETTINGS } from '../config/settings.js';

const FLAGS = settingFlags(SETTINGS);

export function addSettingFlags(program: Command): void {
  for (const f of FLAGS) program.addOption(new Option(f.usage, f.description));
}

/** The setting flags given, by setting path, as typed (the setting's rule checks them). */
export function settingFlagValues(program: Command): Record<string, string> {
  return flagValues(FLAGS, program.opts<Record<string, unknown>>());
}
