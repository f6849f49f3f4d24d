/** Types shared by the uplink's modules. */
import type { OutboxBatch } from '../buffer/types.js';
import type { BreakerState } from './breaker.js';

/** The part of a pino logger the uplink uses. Libraries never create their own. */
export interface UplinkLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Which lane a batch was sent in (README.md, "Ordering"): `live` takes the newest
 * unsent readings, `backfill` the oldest. At most one live batch is in flight.
 */
export type Lane = 'live' | 'backfill';

/** What the uplink is doing, for `status`. */
export type UplinkActivity = 'idle' | 'sending' | 'backing-off' | 'halted' | 'stopped';

/** Told for each batch the cloud acknowledged. */
export interface SentInfo {
  lane: Lane;
  /** When the 2xx arrived (gateway clock, UTC ms). */
  atMs: number;
  bytes: number;
  durationMs: number;
  duplicate: boolean;
  traceId: string;
}

export interface UplinkEvents {
  sent: [batch: OutboxBatch, info: SentInfo];
  quarantined: [batch: OutboxBatch, reason: string];
  breaker: [state: BreakerState];
}

export interface UplinkLastError {
  atMs: number;
  code: string;
  kind: 'retry' | 'reject' | 'halt';
  status: number | null;
  message: string;
  seq: number;
  traceId: string;
}

/** The uplink section of `/status` and `wardlink-gateway status`. */
export interface UplinkStatus {
  url: string;
  activity: UplinkActivity;
  /** False from the first failed upload until the next success. */
  up: boolean;
  breaker: BreakerState;
  inFlight: number;
  backlogReadings: number;
  backlogAlarms: number;
  oldestUnsentAgeS: number | null;
  sentReadingsPerS: number;
  netDrainReadingsPerS: number;
  /** Estimated seconds until the backlog is sent (0 when caught up, null when not shrinking). */
  etaS: number | null;
  draining: boolean;
  lastSuccessAtMs: number | null;
  /** Earliest time of the next attempt when backing off or halted, else null. */
  nextAttemptAtMs: number | null;
  lastError: UplinkLastError | null;
  batchesSent: number;
  batchesFailed: number;
  batchesQuarantined: number;
  readingsSent: number;
  maxBatchReadings: number;
}
