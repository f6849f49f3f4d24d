/**
 * The writer's options, checked once where they enter, with the benchmarked defaults.
 */
import { BufferOptionError } from '@wardlink/shared';

/**
 * Defaults chosen with `pnpm bench buffer-commit` (see the figures in that file's header):
 * - flushIntervalMs 10: at ward load (400-20,000 readings/s) a reading waits at most
 *   ~10 ms + one commit for its PUBACK/ACK, and commits/s stay <= 100, which costs
 *   little in `normal` mode and stays affordable with an fsync per commit in `full`.
 * - maxBatchReadings 8000: under saturation (the "as fast as possible" run) 8,000-row
 *   transactions were the fastest of the grid (each commit's fixed cost, and each
 *   bed's trend-index page, amortized over more rows) while one transaction still
 *   takes only a few ms, which bounds how long the event loop is held.
 * - maxQueuedReadings 50,000: ~2-3 s of a whole hospital's worst burst held in memory
 *   (a few MB), enough to ride out a lock held by the CLI without refusing anyone.
 */
export const WRITER_DEFAULTS = {
  flushIntervalMs: 10,
  maxBatchReadings: 8000,
  maxQueuedReadings: 50_000,
  lockWaitMs: 5000,
  lockRetryMs: 5,
} as const;

export interface WriterLimits {
  flushIntervalMs: number;
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

export function resolveWriterLimits(opts: Partial<WriterLimits>): WriterLimits {
  const limits: WriterLimits = {
    flushIntervalMs: int('flushIntervalMs', opts.flushIntervalMs, WRITER_DEFAULTS.flushIntervalMs, 1, 60_000),
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
