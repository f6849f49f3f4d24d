/**
 * Rules between the cloud's settings, checked once every setting has passed its own rule:
 * what a single entry of the table cannot say (two files that come as a pair, plain HTTP
 * only where nothing crosses the network, a limit relative to another).
 */
import { ConfigError } from '@wardlink/shared';
import type { CloudConfig } from './schema.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

export function checkRelations(config: CloudConfig): void {
  const { server } = config;
  if ((server.tlsCertFile === undefined) !== (server.tlsKeyFile === undefined)) throw new ConfigError('server.tlsKeyFile', 'and server.tlsCertFile must be set together');
  if (server.tlsCertFile === undefined && !server.behindTlsProxy && !isLoopback(server.host)) {
    throw new ConfigError(
      'server.host',
      `is ${server.host}, off loopback, without TLS: gateway tokens, reader tokens and patients' readings would cross the network in clear. Set server.tlsCertFile and server.tlsKeyFile, or server.behindTlsProxy when a TLS proxy in front terminates it`,
      server.host,
    );
  }
  if (server.rateLimitBurstReadings < server.maxReadingsPerBatch) {
    // A bucket smaller than the largest batch would refuse that batch forever.
    throw new ConfigError('server.rateLimitBurstReadings', `must be at least server.maxReadingsPerBatch (${server.maxReadingsPerBatch})`, server.rateLimitBurstReadings);
  }
  // Each compaction unit holds a connection of the pool ingest uses for its whole
  // transaction: the job may take at most half of it (one, with a pool of one: it always ran).
  const maxUnits = Math.max(1, Math.floor(config.database.poolMax / 2));
  if (config.retention.compactionConcurrency > maxUnits) {
    throw new ConfigError('retention.compactionConcurrency', `must be at most half of database.poolMax (${config.database.poolMax}): each unit holds one of the connections ingest uses`, config.retention.compactionConcurrency);
  }
}
