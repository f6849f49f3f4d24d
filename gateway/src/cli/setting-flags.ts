/**
 * The settings table's command-line flags (`--log-level`, `--http-port`, ...), offered by
 * every command like `--config`: the flag wins over the environment and the config file.
 * Every command takes them, not just `run`, so `status` or `config show` given the same
 * flags sees the configuration the daemon runs with. A flag is in the table (config/
 * settings.ts), so adding one there is all it takes.
 */
import { Option, type Command } from 'commander';
import { SETTINGS } from '../config/settings.js';

const FLAGGED = SETTINGS.filter((s) => s.flag !== undefined);

const optionOf = (flag: string, path: string, env: string | undefined) =>
  new Option(`${flag} <value>`, `set ${path} for this command, over ${env === undefined ? '' : `$${env} and `}the config file`);

export function addSettingFlags(program: Command): void {
  for (const s of FLAGGED) program.addOption(optionOf(s.flag!, s.path, s.env));
}

/** The setting flags given, by setting path, as typed (the setting's rule checks them). */
export function settingFlagValues(program: Command): Record<string, string> {
  const given = program.opts<Record<string, unknown>>();
  const out: Record<string, string> = {};
  for (const s of FLAGGED) {
    const value = given[optionOf(s.flag!, s.path, s.env).attributeName()];
    if (typeof value === 'string') out[s.path] = value;
  }
  return out;
}
