/**
 * The writer's options, checked once where they enter, with the benchmarked defaults.
 */
import { BufferOptionError } from '@wardlink/shared';
import type { Durability } from './types.js';

/**
 * Defaults chosen with `pnpm bench buffer-commit` (its header gives the rule), on a shared
 * 2-core VM with a virtio disk; figures from two full runs, measured when the commit ran
 * on the event loop (it now runs on the commit thread, so "held the event loop" below
 * now reads "delayed the acks of that commit"; the sizes stand for that budget).
 * - maxBatchReadings 2000: under saturation commits are size-triggered. 2,000-row
 *   commits took a p50 of 6.4-7.4 ms (normal) / 8.6-10.8 ms (full), and the writer
 *   reached ~160-207k readings/s, about raw better-sqlite3 with one INSERT per row in
 *   10,000-row transactions (147-221k/s on the same runs). 8,000-row commits went faster
 *   (up to ~263k/s) but held the event loop 23-53 ms per commit, past the alarm path's
 *   25 ms p99 budget. The rule picked 2000 in every run.
 * - flushIntervalMs, below saturation (commits are time-triggered):
 *   - `full` 25: every commit fsyncs the WAL. At 20,000 readings/s the wall time spent in
 *     commits was 23-24% / 19-25% / 17-18% at 5 / 10 / 25 ms; 25 ms is the cheapest
 *     interval within the ack budget (picked in every run), and caps the fsyncs of
 *     appends that do not wait (MQTT) at 40/s, which matters more on a gateway's eMMC than
 *     on this disk. (An append whose sender waits for it and sends back to back commits at
 *     once when no commit is running: writer.ts `backToBack`.)
 *   - `normal` 10: the same share was 17-18% / 16% / 12% at 5 / 10 / 25 ms, straddling the
 *     15% budget within the host's noise (runs picked 5 and 25); at ward load (400/s) it
 *     is ~1% for all three. 10 ms is the middle of that band: a device's PUBACK/ACK waits
 *     ~12 ms p99 at ward load, ~28 ms p99 at 20,000/s.
 *   Senders should keep several QoS 1 messages in flight rather than wait for each ack.
 * - maxQueuedReadings 50,000: the queue fills only while another process holds the write
 *   lock (the writer retries without blocking); 50,000 readings is a few MB, seconds of a
 *   busy ward, before producers are paused.
 */
export const WRITER_DEFAULTS = {
  maxBatchReadings: 2000,
  flushIntervalMs: { normal: 10, full: 25 } as Readonly<Record<Durability, number>>,
  /** About 4 KiB of record rows (~21-26 B a reading in the ward benchmark): one page of a 4 KiB file, four of a 1 KiB one. */
  fillReadings: 160,
  maxQueuedReadings: 50_000,
  lockWaitMs: 5000,
  lockRetryMs: 5,
} as const;

/**
 * The daemon's default maxCommitDelayMs (config buffer.maxCommitDelayMs): at the ward load of
 * `pnpm bench gateway-footprint` (60 beds, ~460 readings/s) a page's worth comes in
 * ~350 ms, so commits run about every 250 ms instead of every ~15 ms; devices wait up to
 * that for their acknowledgement (QoS 1 PUBACK, HL7 ACK), well inside their timeouts.
 */
export const DAEMON_MAX_COMMIT_DELAY_MS = 250;

export interface WriterLimits {
  /** The shortest wait of a group commit after its first append. */
  flushIntervalMs: number;
  /**
   * The longest wait (>= flushIntervalMs). Between the two, a group is committed as soon as
   * it holds `fillReadings`: every commit writes at least one page (4 KiB then; 1 KiB in
   * files created since, store.ts) per table and index it touches into the WAL, so at a
   * ward's rate (~500 readings/s) committing every
   * 10 ms wrote ~60 mostly empty pages a second; waiting until a page's worth has come
   * writes each page about once. At high rates the fill comes within flushIntervalMs and
   * nothing changes. The cost is acknowledgement latency at low rates (up to this delay).
   * Default: flushIntervalMs (off); the daemon sets it from buffer.maxCommitDelayMs.
   */
  maxCommitDelayMs: number;
  /** Readings that make a group worth committing before maxCommitDelayMs: about one page of records. */
  fillReadings: number;
  maxBatchReadings: number;
  maxQueuedReadings: number;
  lockWaitMs: number;
  lockRetryMs: number;
}

function int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new BufferOptionError(name, `must be an integer from ${min} to ${max}`, value);
  return v;
}

export function resolveWriterLimits(opts: Partial<WriterLimits>, durability: Durability): WriterLimits {
  const flushIntervalMs = int('flushIntervalMs', opts.flushIntervalMs, WRITER_DEFAULTS.flushIntervalMs[durability], 1, 60_000);
  const limits: WriterLimits = {
    flushIntervalMs,
    maxCommitDelayMs: int('maxCommitDelayMs', opts.maxCommitDelayMs, flushIntervalMs, flushIntervalMs, 60_000),
    fillReadings: int('fillReadings', opts.fillReadings, WRITER_DEFAULTS.fillReadings, 1, 1_000_000),
    maxBatchReadings: int('maxBatchReadings', opts.maxBatchReadings, WRITER_DEFAULTS.maxBatchReadings, 1, 1_000_000),
    maxQueuedReadings: int('maxQueuedReadings', opts.maxQueuedReadings, WRITER_DEFAULTS.maxQueuedReadings, 1, 100_000_000),
    lockWaitMs: int('lockWaitMs', opts.lockWaitMs, WRITER_DEFAULTS.lockWaitMs, 0, 600_000),
    lockRetryMs: int('lockRetryMs', opts.lockRetryMs, WRITER_DEFAULTS.lockRetryMs, 1, 10_000),
  };
  if (limits.maxQueuedReadings < limits.maxBatchReadings) {
    throw new BufferOptionError('maxQueuedReadings', `must be at least maxBatchReadings (${limits.maxBatchReadings})`, limits.maxQueuedReadings);
  }
  return limits;
}
