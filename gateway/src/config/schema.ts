/** The gateway's configuration, fully resolved. Units are in the names. */
export type Durability = 'normal' | 'full';

export interface GatewayConfig {
  /** This gateway's id, unique across the hospital (e.g. "icu-3a"). */
  gatewayId: string;
  /** Folder for the SQLite database and other state. */
  dataDir: string;
  /** The SQLite database file (defaults to <dataDir>/gateway.db). */
  databasePath: string;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  http: { host: string; port: number };
  mqtt: {
    /** Embedded broker listen address; port 0 picks a free port (tests). */
    host: string;
    port: number;
    maxPayloadBytes: number;
    /** Optional bridge from a broker the hospital already runs. */
    bridge: null | { url: string; topicFilter: string; clientId: string; username?: string; password?: string };
  };
  hl7: { host: string; port: number; maxMessageBytes: number };
  buffer: {
    durability: Durability;
    maxBytes: number;
    flushIntervalMs: number;
    maxBatchReadings: number;
    maxQueuedReadings: number;
    localRetentionMs: number;
    checkpointIntervalMs: number;
  };
  ingest: {
    /** Device times further ahead than this are replaced by the receive time and flagged. */
    maxFutureMs: number;
    /** Device times older than this are refused. */
    horizonMs: number;
    /** A device quiet for this long is reported as silent. */
    silentAfterMs: number;
    /** Bad-input log lines per device and code are limited to one per this interval. */
    rejectLogIntervalMs: number;
  };
  cloud: { url: string | null; token: string | null };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DURABILITIES = ['normal', 'full'] as const;

const HOUR_MS = 3_600_000;

/** Defaults. The buffer's match WRITER_DEFAULTS (chosen by `pnpm bench buffer-commit`). */
export function defaultConfig(dataDir: string): GatewayConfig {
  return {
    gatewayId: 'gateway-1',
    dataDir,
    databasePath: `${dataDir}/gateway.db`,
    log: { level: 'info' },
    http: { host: '0.0.0.0', port: 8080 },
    mqtt: { host: '0.0.0.0', port: 1883, maxPayloadBytes: 16 * 1024, bridge: null },
    hl7: { host: '0.0.0.0', port: 2575, maxMessageBytes: 256 * 1024 },
    buffer: {
      durability: 'normal',
      maxBytes: 2 * 1024 ** 3,
      flushIntervalMs: 10,
      maxBatchReadings: 8000,
      maxQueuedReadings: 50_000,
      localRetentionMs: 24 * HOUR_MS,
      checkpointIntervalMs: 30_000,
    },
    ingest: { maxFutureMs: 5 * 60_000, horizonMs: 7 * 24 * HOUR_MS, silentAfterMs: 10_000, rejectLogIntervalMs: 60_000 },
    cloud: { url: null, token: null },
  };
}
