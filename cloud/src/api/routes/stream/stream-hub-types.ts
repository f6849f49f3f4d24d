/**
 * The stream hub's options and dependencies, and the state it keeps per hospital. Kept
 * apart from stream-hub.ts so the pieces beside it (stream-snapshot.ts, which reads and
 * shares snapshots; stream-revocation.ts, which ends the streams of revoked tokens) share
 * one definition of that state with the hub.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '@wardlink/shared';
import type { CloudMetrics } from '../../../observability/metrics.js';
import type { LatestVitalsCache } from '../../../latest-cache/latest-vitals-cache.js';
import type { SseStream } from './sse-stream.js';

export interface StreamHubOptions {
  /** Concurrent streams per instance. Default 500. */
  maxStreams?: number;
  /** Bytes a client may lag behind before it is dropped. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** At most one changed-rows query per hospital per this many ms. Default 500. */
  coalesceMs?: number;
  keepAliveMs?: number;
  /** The reconnect delay EventSource is told (`retry:`). Default 3000. */
  retryMs?: number;
  /** Streams of one hospital on this instance. Default 100. */
  maxStreamsPerHospital?: number;
  /** How often the open streams' tokens are checked again. Default 2000. */
  revalidateMs?: number;
  /** Streams a frame is written to before the event loop gets a turn (fan-out.ts). Default 50. */
  fanOutSlice?: number;
}

export interface StreamHubDeps {
  /** The replica pool: pushing dashboards must not take ingest's connections. */
  pool: pg.Pool;
  metrics: CloudMetrics;
  logger: Logger;
  clock: Clock;
  /** Which of these token hashes still belong to a reader that is not revoked (primary). */
  validTokens?: (tokenHashes: readonly string[]) => Promise<ReadonlySet<string>>;
  /** Snapshots come from it when it can answer (no query); else from the database. */
  latestCache?: LatestVitalsCache;
}

/** A gateway's notified changes not yet read (or not yet on the replica). */
export interface Pending {
  fromMs: number;
  toMs: number;
  attempts: number;
}

/** A snapshot read under way, shared by the clients that open meanwhile. */
export interface SharedSnapshot {
  frame: Promise<string>;
  /** Every frame sent to the hospital's streams since the read began, for the clients
   * that join it later (bounded: past maxQueuedBytes nobody joins any more, so the frames
   * after that are not needed). */
  sentSince: string[];
  sentBytes: number;
  joinable: boolean;
}

export interface HospitalState {
  streams: Set<SseStream>;
  snapshot: SharedSnapshot | undefined;
  pending: Map<string, Pending>;
  timer: TimerHandle | undefined;
  flushing: boolean;
  lastFlushMs: number;
}
