/**
 * Where the gateway's configuration comes from: the config file (found by
 * $WARDLINK_GATEWAY_CONFIG, else <$WARDLINK_DATA_DIR or .wardlink/gateway>/gateway.json),
 * the environment and the command line, resolved by the settings table (settings.ts,
 * resolve.ts) and validated once, naming the field on error.
 */
import { dirname, resolve } from 'node:path';
import { readSettingsFile } from '@wardlink/shared';
import { resolveGatewayConfig } from './resolve.js';
import type { GatewayConfig } from './schema.js';
import { SETTINGS } from './settings.js';

export { redactedConfig } from './redact.js';

/** Environment variables that override the file, by variable name: the table's `env` column. */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = Object.fromEntries(SETTINGS.flatMap((s) => (s.env === undefined ? [] : [[s.env, s.path]])));

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARDLINK_GATEWAY_CONFIG ?? resolve(env.WARDLINK_DATA_DIR ?? '.wardlink/gateway', 'gateway.json');
}

/** The config file's JSON object; WL_CONFIG_FILE when it cannot be read or parsed. */
export function readConfigFile(path: string): Record<string, unknown> {
  return readSettingsFile(path);
}

export interface LoadOptions {
  /** The config file; defaults to defaultConfigPath(env). */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line values by setting path (the CLI maps its flags to paths). */
  flags?: Readonly<Record<string, unknown>>;
  /** Run on defaults, the environment and flags when the file cannot be read. */
  allowMissingFile?: boolean;
}

/** Loads and validates the configuration: flags over the environment over the file over defaults. */
export function loadGatewayConfig(opts: LoadOptions = {}): GatewayConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? defaultConfigPath(env);
  let values: Record<string, unknown> = {};
  try {
    values = readConfigFile(path);
  } catch (err) {
    if (!opts.allowMissingFile) throw err;
  }
  return resolveGatewayConfig({ file: { values, path }, env, flags: opts.flags ?? {}, base: dirname(path) });
}

/**
 * Validates a config file's object on its own (no environment, no flags), as `init`,
 * `config set` and the tests do before writing or using it. `configDir` is the file's
 * folder: `dataDir` is relative to it (default: the folder itself).
 */
export function validate(raw: Record<string, unknown>, configDir: string): GatewayConfig {
  return resolveGatewayConfig({ file: { values: raw }, base: configDir });
}
