/**
 * What every lifecycle job is given: the primary pool, a logger, the clock (every "now"
 * and "today" comes from it, so tests control time), the archive store, and settings.
 */
import { join } from 'node:path';
import type pg from 'pg';
import { systemClock, type Clock } from '@wardlink/shared';
import type { CloudConfig } from '../config/schema.js';
import type { Logger } from '../storage/logger.js';
import type { ArchiveStore } from './store/archive-store.js';
import type { LifecycleMetrics } from './metrics.js';

export interface LifecycleSettings {
  /** Hot period for hospitals without a row yet (each hospital's own is in `hospitals`). */
  readonly hotDays: number;
  readonly archiveYears: number;
  /** Daily partitions are made this many days ahead of today (UTC). */
  readonly premakeDays: number;
  /** lock_timeout for partition DDL (create, detach, drop), so it never queues behind ingest for long. */
  readonly ddlLockTimeoutMs: number;
  /** How long DETACH ... CONCURRENTLY may wait for older queries before giving up (it
   * resumes with FINALIZE on the next run). */
  readonly detachTimeoutMs: number;
  /** Readings this far past "now" count as from the future (device clock wrong). */
  readonly futureToleranceMs: number;
  /** Rows buffered per hospital before a row group is sorted and written. */
  readonly rowGroupRows: number;
  /** Bound on rows buffered across all hospitals during an export (constant memory). */
  readonly maxBufferedRows: number;
  /** The job's whole-table reads (export, source verification) pause this fraction of
   * their working time, leaving CPU and I/O to ingest. 0 = full speed. */
  readonly throttleRatio: number;
  /** Size of the database volume for the fill-date projection; 0 = unknown. */
  readonly dbVolumeBytes: number;
  readonly alertThresholdPct: number;
  /** An hour is compacted into vital_blocks once it ended this long ago. */
  readonly compactAfterMs: number;
  /** Compaction units run at once (retention.compactionConcurrency). */
  readonly compactionConcurrency: number;
}

export const DEFAULT_SETTINGS: LifecycleSettings = {
  hotDays: 90,
  archiveYears: 7,
  premakeDays: 14,
  ddlLockTimeoutMs: 2_000,
  detachTimeoutMs: 10 * 60_000,
  futureToleranceMs: 15 * 60_000,
  rowGroupRows: 1_048_576,
  maxBufferedRows: 2_097_152,
  throttleRatio: 0,
  dbVolumeBytes: 0,
  alertThresholdPct: 80,
  compactAfterMs: 10 * 60_000,
  compactionConcurrency: 1,
};

/** The local archive folder: retention.archiveDir, else `<dataDir>/archive`. */
export function archiveDirFor(config: CloudConfig): string {
  return config.retention.archiveDir ?? join(config.dataDir, 'archive');
}

/** The settings the service's configuration gives. */
export function settingsFromConfig(config: CloudConfig): LifecycleSettings {
  return {
    ...DEFAULT_SETTINGS,
    hotDays: config.retention.hotDays,
    archiveYears: config.retention.archiveYears,
    premakeDays: config.retention.partitionPremakeDays,
    ddlLockTimeoutMs: config.database.ddlLockTimeoutMs,
    dbVolumeBytes: config.capacity.dbVolumeBytes,
    alertThresholdPct: config.capacity.alertThresholdPct,
    compactAfterMs: config.retention.compactAfterMinutes * 60_000,
    compactionConcurrency: config.retention.compactionConcurrency,
  };
}

/** One step of a long job, for the CLI's progress lines. */
export interface ProgressEvent {
  job: 'maintenance' | 'compaction' | 'retention' | 'archive' | 'purge' | 'restore' | 'verify';
  step: string;
  /** What the step is about: a partition, an object key, a hospital. */
  subject?: string;
  done?: number;
  total?: number;
  rows?: number;
  bytes?: number;
  ms?: number;
}

export type ProgressSink = (event: ProgressEvent) => void;

export interface LifecycleContext {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: ArchiveStore;
  /** Local folder where exports are written before they go to the store. */
  readonly stagingDir: string;
  readonly settings: LifecycleSettings;
  readonly metrics?: LifecycleMetrics;
  readonly progress: ProgressSink;
  /** Who performs destructive actions, for the audit trail (e.g. "scheduler@host", "cli:alice"). */
  readonly actor: string;
}

export interface LifecycleContextInput {
  pool: pg.Pool;
  logger: Logger;
  store: ArchiveStore;
  stagingDir: string;
  clock?: Clock;
  settings?: Partial<LifecycleSettings>;
  metrics?: LifecycleMetrics;
  progress?: ProgressSink;
  actor?: string;
}

export function createLifecycleContext(input: LifecycleContextInput): LifecycleContext {
  return {
    pool: input.pool,
    logger: input.logger,
    clock: input.clock ?? systemClock,
    store: input.store,
    stagingDir: input.stagingDir,
    settings: { ...DEFAULT_SETTINGS, ...input.settings },
    ...(input.metrics ? { metrics: input.metrics } : {}),
    progress: input.progress ?? (() => undefined),
    actor: input.actor ?? 'wardlink-cloud',
  };
}
