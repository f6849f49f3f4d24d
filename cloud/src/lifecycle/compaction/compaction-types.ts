/**
 * The compaction job's public types: its options, its unit of work, its steps (where the
 * crash tests' hooks stop it) and what a run reports. Apart from the job (compaction-job.ts)
 * and the unit (compaction-unit.ts) so that each can name them without importing the other.
 */
import type { ReclaimWay } from './reclaim.js';
import type { WalCompressionMethod } from './wal-compression.js';

/** The steps of a unit, where the tests' crash hooks can stop it. */
export type CompactionStep = 'read' | 'merged' | 'old-blocks-deleted' | 'blocks-written' | 'committed';

export interface CompactionOptions {
  /** An hour is compacted once it ended this long ago; default settings.compactAfterMs. */
  graceMs?: number;
  /** Units compacted at once, each on its own connection; default settings.compactionConcurrency (1). */
  concurrency?: number;
  /** Stop after this many units (tests, benchmarks); default: all. */
  maxUnits?: number;
  /** Called at each step of each unit; a throw there aborts the unit (crash tests). */
  hook?: (step: CompactionStep, unit: CompactionUnit) => void | Promise<void>;
}

export interface CompactionUnit {
  partition: string;
  /** The partition's day, [fromMs, fromMs + 1 day). */
  fromMs: number;
  hospitalId: string;
  patientId: string;
}

export interface CompactionResult {
  /** Readings moved from rows into blocks (duplicates not counted). */
  readings: number;
  units: number;
  /** Units that failed (logged; the next run retries them). */
  failedUnits: number;
  blocksWritten: number;
  /** Existing blocks rewritten because late readings arrived for their hour. */
  blocksMerged: number;
  /** Rows dropped as copies of readings already stored. */
  duplicates: number;
  cutoff: string;
  ms: number;
  /** Of `ms`, the time spent giving back the space of past days emptied by the run
   * (TRUNCATE, or VACUUM at autovacuum's pace and REINDEX): once per day, not per hour. */
  reclaimMs: number;
  /** The past days whose space this run gave back, and how (reclaim.ts). */
  reclaimed: { partition: string; way: ReclaimWay }[];
  /** The method the units set to compress their WAL page images (wal-compression.ts), or null. */
  walCompression: WalCompressionMethod | null;
}
