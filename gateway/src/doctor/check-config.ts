/**
 * The config check: the gateway's own loader (file, environment, flags; load.ts), so the
 * doctor can never accept what the daemon would refuse. Its error names the field.
 */
import { ConfigError, WardlinkError } from '@wardlink/shared';
import type { GatewayConfig } from '../config/schema.js';
import { fail, ok, type CheckResult } from './types.js';

export interface ConfigOutcome {
  config: GatewayConfig | null;
  /** The loader's error, rethrown by the command so the exit code is the config one (78). */
  error: WardlinkError | null;
  result: CheckResult;
}

export function checkConfig(configPath: string, load: () => GatewayConfig): ConfigOutcome {
  try {
    const config = load();
    return { config, error: null, result: ok('config', `${configPath} is valid (gateway ${config.gatewayId})`, { data: { path: configPath } }) };
  } catch (err) {
    if (!(err instanceof WardlinkError)) throw err;
    const field = err instanceof ConfigError ? err.field : null;
    const remedy =
      field === null
        ? `fix ${configPath} (valid JSON, readable by this user), or create it with "wardlink-gateway init"`
        : `fix ${field} in ${configPath} or in its environment variable; "wardlink-gateway config show" prints what is in effect`;
    return { config: null, error: err, result: fail('config', err.message, remedy, { subject: field, data: { path: configPath, errorCode: err.code, field } }) };
  }
}
