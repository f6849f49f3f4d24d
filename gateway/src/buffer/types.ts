/**
 * Types shared by the buffer's modules (store, writer, outbox, eviction, maintenance).
 */
import type { Batch } from '@wardlink/shared';

/**
 * How hard a commit is pushed to disk.
 * - `normal`: WAL + synchronous=NORMAL. A commit survives a crash of the process (the
 *   WAL is in the OS page cache); the last commits may be lost in a power cut.
 * - `full`: WAL + synchronous=FULL. Every commit fsyncs the WAL: survives a power cut.
 */
export type Durability = 'normal' | 'full';

/** The part of a pino logger the buffer uses. Libraries never create their own. */
export interface BufferLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentBufferLogger: BufferLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * One schema step. `id` is `<namespace>-<number>[-<words>]`, e.g. `registry-002-rules`:
 * the steps of one namespace run in number order, namespaces in the order first given.
 * `sql` may hold several statements but no BEGIN/COMMIT (the runner owns the transaction).
 */
export interface Migration {
  id: string;
  sql: string;
}

/** Which unsent readings a newly built batch takes. */
export type BatchOrder = 'oldest' | 'newest';

export type BatchState = 'pending' | 'sent' | 'quarantined' | 'evicted';

/**
 * A batch as the uplink sends it: the shared `Batch` (gatewayId, seq, createdAtMs, alarms
 * first, then readings in local order) plus what the outbox knows about it. Once built, a
 * batch keeps the same seq and the same content until it is settled, across restarts.
 */
export interface OutboxBatch extends Batch {
  order: BatchOrder;
  /** How many send attempts were recorded with `noteAttempt`. */
  attempts: number;
}

/** What a commit did, for metrics (commit latency histogram, rows per commit). */
export interface CommitStats {
  /** Readings + alarm events written by the transaction. */
  rows: number;
  readings: number;
  alarms: number;
  /** Readings not stored because they were stored already (a redelivered copy). */
  duplicates: number;
  /** Readings at a device time that held other values of their metric (a clock set back):
   * stored at their receive time, CLOCK_SUSPECT (recent-records.ts). */
  retimed: number;
  /** Wall time of the transaction (BEGIN to COMMIT), ms. */
  latencyMs: number;
  /** Readings still waiting in the queue after this commit. */
  queuedReadings: number;
}

/** The buffer's fill level; the alarm engine raises technical alarms at 80% and 95%. */
export interface BufferUsage {
  /** Bytes of database pages in use (page_count - freelist_count) * page_size. */
  bytes: number;
  /** The effective cap: the configured one, or less when the disk cannot hold it (eviction.ts). */
  maxBytes: number;
  /** `buffer.maxBytes` as configured. */
  configuredMaxBytes: number;
  /** What the buffer's filesystem can still allocate. */
  diskAvailableBytes: number;
  /** The filesystem has eaten into the space kept for alarm events: readings must stop. */
  diskLow: boolean;
  /** bytes / maxBytes (the effective cap). */
  fraction: number;
  /** Readings not yet uploaded and still due to be (unbatched + in pending batches). */
  unsentReadings: number;
  /** Gateway receive time (UTC ms) of the oldest unsent reading or alarm, or null. */
  oldestUnsentMs: number | null;
}

/** Cumulative eviction counts since the process started. */
export interface EvictionCounters {
  rounds: number;
  /** Already-uploaded readings dropped (only the local trend view loses them). */
  uploadedReadings: number;
  /** Readings of quarantined batches dropped. */
  quarantinedReadings: number;
  /** Readings dropped before they were ever uploaded: data lost to the cloud. */
  unsentReadings: number;
  /** Pending or quarantined batches given up because their readings were dropped. */
  evictedBatches: number;
}
