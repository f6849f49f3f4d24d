/**
 * The gateway's settings table resolved into a GatewayConfig: the shared resolver applies
 * the precedence and each entry's rule, then the rules between settings run. Secrets come
 * out non-enumerable, so the config can be logged or dumped as JSON without them.
 */
import { buildSettings, resolveSettings } from '@wardlink/shared';
import { checkRelations } from './relations.js';
import type { GatewayConfig } from './schema.js';
import { GATEWAY_SETTINGS } from './settings.js';

export interface GatewaySources {
  /** The config file's JSON object, and its path for messages. */
  file?: { values: Readonly<Record<string, unknown>>; path?: string };
  env?: Readonly<Record<string, string | undefined>>;
  /** Command-line values by setting path (`{ 'http.port': '9000' }`). */
  flags?: Readonly<Record<string, unknown>>;
  /** The config file's folder: `dataDir` is relative to it. */
  base: string;
}

export function resolveGatewayConfig(sources: GatewaySources): GatewayConfig {
  const config = buildSettings(GATEWAY_SETTINGS, resolveSettings(GATEWAY_SETTINGS, sources)) as unknown as GatewayConfig;
  checkRelations(config);
  return config;
}
