/**
 * Logs failed commits without flooding: while the disk stays full (or the file stays
 * locked), every retry of the alarm record and every ingest batch fails the same way, and
 * one line per failure would bury the first one. The first failure of a code is logged at
 * once; repeats of it at most once per `intervalMs`, with how many were not logged.
 */
import type { BufferLogger } from './types.js';

export class CommitFailureLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly logger: BufferLogger,
    private readonly now: () => number,
    private readonly intervalMs = 60_000,
  ) {}

  failed(err: Error & { code: string }, rows: number): void {
    const seen = this.last.get(err.code);
    const now = this.now();
    if (seen && now - seen.atMs < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(err.code, { atMs: now, suppressed: 0 });
    this.logger.error({ err, code: err.code, rows, ...(suppressed > 0 ? { notLoggedSinceLast: suppressed } : {}) }, 'buffer commit failed; the appends were rejected');
  }

  /** A commit succeeded: the next failure is news again, logged at once. */
  succeeded(): void {
    this.last.clear();
  }
}
