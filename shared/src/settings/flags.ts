/**
 * A settings table's command-line flags, as a daemon's CLI offers them: each flagged
 * setting becomes an option taking one value (`--http-port <value>`) whose help names the
 * setting and what the flag wins over, and the values given are read back by setting path,
 * as typed, for the resolver (the setting's rule checks them). Free of any CLI library: the
 * daemons hand `usage` and `description` to theirs, so adding a flag to a table is all it
 * takes.
 */
import type { Setting } from './table.js';

export interface SettingFlag {
  /** The setting the flag sets. */
  readonly path: string;
  /** The option as a CLI library takes it: `--http-port <value>`. */
  readonly usage: string;
  /** `set http.port for this command, over $WARDLINK_HTTP_PORT and the config file`. */
  readonly description: string;
  /** The key of the parsed value in the options object: the flag in camelCase
   * (`--http-port` is `httpPort`), as commander names it. */
  readonly attribute: string;
}

export function settingFlags(settings: readonly Setting[]): SettingFlag[] {
  return settings.flatMap((s) => {
    if (s.flag === undefined) return [];
    const over = s.env === undefined ? '' : `$${s.env} and `;
    return [{ path: s.path, usage: `${s.flag} <value>`, description: `set ${s.path} for this command, over ${over}the config file`, attribute: camelCase(s.flag) }];
  });
}

/** The flags given, by setting path, as typed; a flag not given is left out. */
export function settingFlagValues(flags: readonly SettingFlag[], given: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const value = given[f.attribute];
    if (typeof value === 'string') out[f.path] = value;
  }
  return out;
}

/** `--http-port` as `httpPort`. */
function camelCase(flag: string): string {
  return flag.replace(/^-+/, '').replace(/-([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}
