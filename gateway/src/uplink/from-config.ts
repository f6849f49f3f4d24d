/**
 * The daemon's way in: builds the uplink from the resolved `cloud.*` settings, reading
 * the TLS files named there once, at start. Without a cloud URL and token the gateway
 * runs standalone (local buffer and alarms only) and says so.
 */
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../config/schema.js';
import { UplinkTlsFileError } from './errors.js';
import { displayUrl, type TlsMaterial, type UplinkSettings } from './options.js';
import { Uplink, type UplinkDeps } from './uplink.js';

function readPem(field: string, path: string | null): Buffer | undefined {
  if (path === null) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UplinkTlsFileError(field, path, (err as NodeJS.ErrnoException).code ?? 'unreadable', { cause: err });
  }
}

export function uplinkSettingsFromConfig(cloud: GatewayConfig['cloud']): UplinkSettings | null {
  if (cloud.url === null || cloud.token === null) return null;
  const tls: TlsMaterial = {};
  const ca = readPem('cloud.caFile', cloud.caFile);
  const cert = readPem('cloud.clientCertFile', cloud.clientCertFile);
  const key = readPem('cloud.clientKeyFile', cloud.clientKeyFile);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return {
    url: cloud.url,
    token: cloud.token,
    maxBatchReadings: cloud.maxBatchReadings,
    maxBatchAgeMs: cloud.maxBatchAgeMs,
    concurrency: cloud.concurrency,
    connectTimeoutMs: cloud.connectTimeoutMs,
    headersTimeoutMs: cloud.headersTimeoutMs,
    bodyTimeoutMs: cloud.bodyTimeoutMs,
    backoffBaseMs: cloud.backoffBaseMs,
    backoffMaxMs: cloud.backoffMaxMs,
    tls,
  };
}

/** The uplink for this config, or null (logged) when no cloud is configured. */
export function createUplink(config: GatewayConfig, deps: UplinkDeps): Uplink | null {
  const settings = uplinkSettingsFromConfig(config.cloud);
  if (settings === null) {
    deps.logger.warn({ url: config.cloud.url === null ? null : displayUrl(config.cloud.url) }, 'no cloud uplink: set cloud.url and cloud.token ("wardlink-gateway config set ...") to upload; data stays in the local buffer');
    return null;
  }
  return new Uplink(settings, { fleet: { gatewayId: config.gatewayId }, ...deps });
}
