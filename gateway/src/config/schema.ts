/**
 * The gateway's configuration, fully resolved. Units are in the names. Keys, variables,
 * flags, defaults and bounds are in the settings table (settings.ts).
 */
import type { AlarmEngineOptions } from '../alarms/engine-options.js';
import type { Pcd04Config } from '../alarms/pcd04/config.js';
import type { AdmissionsConfig } from './admissions.js';
import type { ViewerAccount } from './alarm-viewers.js';
import type { HttpConfig } from './http.js';
import type { Hl7ListenerConfig, MqttListenerConfig } from './listeners.js';
import { resolveGatewayConfig } from './resolve.js';

export { DURABILITIES, LOG_LEVELS } from './settings.js';
export type Durability = 'normal' | 'full';

export interface GatewayConfig {
  /** This gateway's id, unique across the hospital (e.g. "icu-3a"). */
  gatewayId: string;
  /** Folder for the SQLite database and other state. */
  dataDir: string;
  /** The SQLite database file (defaults to <dataDir>/gateway.db). */
  databasePath: string;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  /** The web port: nurse station, /status, /metrics (config/http.ts). */
  http: HttpConfig;
  /** The embedded broker (config/listeners.ts); port 0 picks a free port (tests). */
  mqtt: MqttListenerConfig & {
    /** Optional bridge from a broker the hospital already runs. */
    bridge: null | { url: string; topicFilter: string; clientId: string; username?: string; password?: string };
  };
  /** The MLLP listener (config/listeners.ts). */
  hl7: Hl7ListenerConfig;
  buffer: {
    durability: Durability;
    maxBytes: number;
    /** Group-commit interval; null uses the writer's benchmarked default for the durability mode. */
    flushIntervalMs: number | null;
    /** Rows per group commit; null uses the writer's benchmarked default. */
    maxBatchReadings: number | null;
    /** Longest wait of a group commit at low rates (buffer/writer-options.ts); null: 250 ms, or flushIntervalMs with the MQTT bridge. */
    maxCommitDelayMs: number | null;
    maxQueuedReadings: number;
    /** Disk space kept free for alarm events and the audit: readings stop before it is used. */
    diskReserveBytes: number;
    localRetentionMs: number;
    checkpointIntervalMs: number;
  };
  ingest: {
    /** A device clock further ahead than this is suspect: its readings take the receive time, flagged CLOCK_SUSPECT. */
    maxFutureMs: number;
    /** A live record may be this far behind; older, it must be a catching-up backlog (ingest/device-clock.ts). */
    maxLagMs: number;
    /** The oldest a replayed backlog may be; older device times are suspect. */
    horizonMs: number;
    /** A device quiet for this long is reported as silent. */
    silentAfterMs: number;
    /** Bad-input log lines per device and code are limited to one per this interval. */
    rejectLogIntervalMs: number;
  };
  /** Who says which patient is in which bed (config/admissions.ts). */
  admissions: AdmissionsConfig;
  /** The uplink to the cloud (gateway/src/uplink). No url or token: the gateway runs standalone. */
  cloud: {
    url: string | null;
    /** SECRET: non-enumerable once validated, never logged. */
    token: string | null;
    /** Most readings in one batch (the cloud refuses more than its server.maxReadingsPerBatch). */
    maxBatchReadings: number;
    /** A batch that is not full and has no alarm waits until its oldest reading is this old. */
    maxBatchAgeMs: number;
    /** Batches in flight at once (one live lane plus backfill); also the pool's connections. */
    concurrency: number;
    connectTimeoutMs: number;
    /** Until the answer's headers arrive, i.e. including the cloud's bulk load. */
    headersTimeoutMs: number;
    /** Longest pause between two chunks of the answer's body. */
    bodyTimeoutMs: number;
    /** Backoff after failures: full jitter in [0, min(backoffMaxMs, backoffBaseMs * 2^n)]. */
    backoffBaseMs: number;
    backoffMaxMs: number;
    /** PEM files (absolute, or relative to dataDir): CAs trusted for the cloud's certificate,
     * and an optional client certificate and key for mutual TLS. */
    caFile: string | null;
    clientCertFile: string | null;
    clientKeyFile: string | null;
    /** Allow an `http:` cloud URL to another machine: readings would cross the network in clear. */
    allowInsecure: boolean;
  };
  alarms: {
    /** Optional forward of the alarm topics to an external broker (pagers, nurse-call bridges). */
    forward: null | {
      url: string;
      /** Root of the forwarded topics; default `wardlink/{gatewayId}/alarms`. */
      topicPrefix: string;
      clientId: string;
      username?: string;
      password?: string;
      /** Messages queued at most while the external broker is away. */
      maxQueued: number;
    };
    /** Optional IHE PCD-04 (ORU^R40) feed to the hospital's alarm manager (alarms/pcd04, docs/interop.md). */
    pcd04: null | Pcd04Config;
    /** Read-only MQTT accounts that may subscribe to `wardlink/alarms/#` on the embedded
     * broker: each with a scrypt `passwordHash` (as device passwords) or a `password`. */
    viewers: ViewerAccount[];
    /** Longest a charge nurse may pause a bed's alarm sound at the nurse stations (default 2 min). */
    audioPauseMaxMs: number;
    /** The alarm engine's timings and technical priorities (alarms/engine-options.ts,
     * alarms/README.md); {} keeps every default. */
    engine: AlarmEngineOptions;
  };
}

/** Every setting at its default, with the data folder (and so the database) at `dataDir`. */
export function defaultConfig(dataDir: string): GatewayConfig {
  return resolveGatewayConfig({ base: dataDir });
}
