/**
 * Rules between settings, checked once every setting has passed its own rule: what a
 * single entry of the table cannot say (a limit relative to another, two files that come
 * as a pair, plain HTTP only where nothing crosses the network).
 */
import { ConfigError } from '@wardlink/shared';
import { redactUrl } from './fields.js';
import { isLoopback } from './http.js';
import type { GatewayConfig } from './schema.js';

export function checkRelations(config: GatewayConfig): void {
  const { http, admissions, cloud } = config;
  if (http.session.idleMs > http.session.maxMs) {
    throw new ConfigError('http.session.idleMs', `must not exceed http.session.maxMs (${http.session.maxMs})`, http.session.idleMs);
  }
  if (http.tls === null && !http.allowInsecure && !isLoopback(http.host)) {
    throw new ConfigError(
      'http.tls',
      `is needed to serve the nurse station on ${http.host}: PINs and session cookies must not cross the ward network in clear. Run "wardlink-gateway tls init", or set http.allowInsecure to true to take that risk`,
    );
  }
  if (admissions.source === 'adt' && admissions.adt.senders.length === 0) {
    throw new ConfigError(
      'admissions.adt.senders',
      'must name the interface engine (MSH-3) when admissions.source is "adt": an ADT feed from anyone would let any host re-admit a bed',
      admissions.adt.senders,
    );
  }
  if (cloud.url !== null) {
    const target = new URL(cloud.url);
    if (target.protocol === 'http:' && !isLoopback(target.hostname.replace(/^\[|\]$/g, '')) && !cloud.allowInsecure) {
      throw new ConfigError(
        'cloud.url',
        "uses http: to another machine: patients' readings and the gateway token would cross the network in clear. Use https:, or set cloud.allowInsecure to true to take that risk",
        redactUrl(cloud.url),
      );
    }
  }
  if (cloud.backoffMaxMs < cloud.backoffBaseMs) {
    throw new ConfigError('cloud.backoffMaxMs', `must be at least cloud.backoffBaseMs (${cloud.backoffBaseMs})`, cloud.backoffMaxMs);
  }
  if ((cloud.clientCertFile === null) !== (cloud.clientKeyFile === null)) {
    throw new ConfigError('cloud.clientKeyFile', 'and cloud.clientCertFile must be set together (mutual TLS needs both)');
  }
}
