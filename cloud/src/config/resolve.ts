/**
 * The cloud's settings table resolved into a CloudConfig, once at startup: the shared
 * resolver applies the precedence both daemons use (flags, then the environment, then the
 * config file, then the defaults) and each entry's rule, then the rules between settings
 * run. A bad value stops the service with a ConfigError naming the field. Secrets come out
 * non-enumerable, so the config can be logged or dumped as JSON without them.
 */
import { buildSettings, flattenSettings, readSettingsFile, resolveSettings } from '@wardlink/shared';
import { checkRelations } from './relations.js';
import type { CloudConfig } from './schema.js';
import { CLOUD_SETTINGS, CONFIG_FILE_ENV } from './settings.js';

/** A partial config as written in the JSON file: nested (`{ server: { port: 0 } }`), or by
 * dotted path (`{ 'server.port': '9000' }`, the `serve` flags). */
export type ConfigInput = { [key: string]: unknown };

export interface ResolveConfigOptions {
  /** Path of the JSON config file; defaults to $WARDLINK_CLOUD_CONFIG; none if neither. */
  configFile?: string;
  /** The environment to read; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Explicit values (the `serve` flags, or a test's or tool's settings); they win over
   * everything. Unknown keys are refused like the file's; null or undefined means "not
   * set here", as in the file. */
  overrides?: ConfigInput;
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string;
}

export function resolveCloudConfig(options: ResolveConfigOptions = {}): CloudConfig {
  const env = options.env ?? process.env;
  const fromEnv = env[CONFIG_FILE_ENV];
  // An empty variable counts as unset, as every setting's variable does.
  const filePath = options.configFile ?? (fromEnv?.trim() ? fromEnv : undefined);
  const resolved = resolveSettings(CLOUD_SETTINGS, {
    ...(filePath === undefined ? {} : { file: { values: readSettingsFile(filePath), path: filePath } }),
    env,
    flags: flagsOf(options.overrides ?? {}),
    base: options.cwd ?? process.cwd(),
  });
  const config = buildSettings(CLOUD_SETTINGS, resolved) as unknown as CloudConfig;
  checkRelations(config);
  for (const section of Object.values(config)) if (section !== null && typeof section === 'object') Object.freeze(section);
  return Object.freeze(config);
}

/** The overrides by setting path, for the resolver's command-line slot. */
function flagsOf(overrides: ConfigInput): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [path, value] of flattenSettings(CLOUD_SETTINGS, overrides, 'the overrides').leaves) if (value !== null && value !== undefined) flags[path] = value;
  return flags;
}
