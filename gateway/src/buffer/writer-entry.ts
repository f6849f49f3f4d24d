/**
 * What the buffer writer queues for each append, and the options it is built with. Kept
 * apart from writer.ts so the writer (queueing, group timing) and writer-settle.ts
 * (resolving and rejecting appends once their commit is known) share one definition.
 */
import type { AlarmEvent, BufferError, Clock, Reading } from '@wardlink/shared';
import type { BufferLogger, CommitStats } from './types.js';
import type { WriterLimits } from './writer-options.js';

export interface WriterOptions extends Partial<WriterLimits> {
  /** Called after every commit, for the commit-latency histogram and rows-per-commit. */
  onCommit?: (stats: CommitStats) => void;
  /** Called when appends were rejected because a commit failed (disk full, I/O error). */
  onFailure?: (err: BufferError, rows: number) => void;
  clock?: Clock;
  logger?: BufferLogger;
}

/** One append (readings or alarm events) from its admission until its commit settles it. */
export interface WriterEntry {
  readings: readonly Reading[] | null;
  alarms: readonly AlarmEvent[] | null;
  dedup?: boolean;
  /** Without dedup: the device time the readings are known by to the duplicate filter (writer.ts append). */
  sharedTimeMs?: number;
  /** Its sender waits for this commit before it sends more (see append's `prompt`). */
  prompt?: boolean;
  /** With prompt: who sends (a connection, a serial line), to tell one sending back to back. */
  sender?: object;
  rows: number;
  /** Arrival number: flushes and idle waiters are expressed in it. */
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}
