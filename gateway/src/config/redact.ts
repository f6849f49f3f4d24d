/**
 * Printing the configuration without its secrets: the cloud token and the bridge and
 * forward passwords show as "***" when set, URLs without the password they may carry.
 * What is secret is the table's `secret` column, so a new secret needs no change here.
 */
import { printableSettings } from '@wardlink/shared';
import type { GatewayConfig } from './schema.js';
import { GATEWAY_SETTINGS, SETTINGS } from './settings.js';

/** A printable copy of the resolved configuration (`config show`, `config get`). */
export function redactedConfig(config: GatewayConfig): Record<string, unknown> {
  return printableSettings(GATEWAY_SETTINGS, config);
}

/**
 * How `config set` echoes what it wrote: "***" for a secret, or for a whole section that
 * holds one (`config set mqtt.bridge '{...}'`); a URL without its password.
 */
export function printableValue(path: string, text: string): string {
  if (SETTINGS.some((s) => s.secret && (s.path === path || s.path.startsWith(`${path}.`)))) return '***';
  const display = SETTINGS.find((s) => s.path === path)?.display;
  return display === undefined ? text : String(display(text));
}
