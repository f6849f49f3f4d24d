/**
 * Settles the appends of a finished commit: resolves the committed ones, rejects the rest
 * with a typed BufferError, adds the commit to the unsent tally, and tells the observers
 * (onCommit, onFailure) and the failure log. Kept apart from writer.ts, which decides when
 * a group is committed; this runs once per commit, never per reading.
 */
import { fromCommitFailure, type CommitOutcome } from './commit-batch.js';
import { CommitFailureLog } from './failure-log.js';
import { toBufferError } from './sqlite-errors.js';
import type { BufferStore } from './store.js';
import type { BufferLogger } from './types.js';
import type { WriterEntry, WriterOptions } from './writer-entry.js';

/** What the lock-busy outcome is reported as once the writer stops waiting. */
export const lockHeldTooLong = () => Object.assign(new Error('database is locked (write lock held by another connection for too long)'), { code: 'SQLITE_BUSY' });

export class CommitSettler {
  private readonly failures: CommitFailureLog;
  private readonly onCommit: WriterOptions['onCommit'];
  private readonly onFailure: WriterOptions['onFailure'];

  /** `queuedReadings`: the writer's backlog, read only when an onCommit observer reports it. */
  constructor(
    private readonly store: BufferStore,
    private readonly logger: BufferLogger,
    monotonicMs: () => number,
    opts: Pick<WriterOptions, 'onCommit' | 'onFailure'>,
    private readonly queuedReadings: () => number,
  ) {
    this.failures = new CommitFailureLog(logger, monotonicMs);
    this.onCommit = opts.onCommit;
    this.onFailure = opts.onFailure;
  }

  succeed(entries: readonly WriterEntry[], outcome: Extract<CommitOutcome, { kind: 'committed' }>): void {
    this.failures.succeeded();
    this.store.tally.add(outcome.readings);
    const refused = new Map(outcome.refused);
    entries.forEach((e, i) => {
      const failure = refused.get(i);
      if (failure) this.fail([e], fromCommitFailure(failure));
      else e.resolve();
    });
    if (!this.onCommit) return;
    try {
      this.onCommit({
        rows: outcome.readings + outcome.alarms,
        readings: outcome.readings,
        alarms: outcome.alarms,
        duplicates: outcome.duplicates,
        retimed: outcome.retimed,
        latencyMs: outcome.latencyMs,
        queuedReadings: this.queuedReadings(),
      });
    } catch (err) {
      this.logger.error({ err }, 'buffer onCommit observer failed');
    }
  }

  fail(entries: readonly WriterEntry[], err: unknown): void {
    const error = toBufferError(err, this.store.path);
    const rows = entries.reduce((n, e) => n + e.rows, 0);
    this.failures.failed(error, rows);
    for (const e of entries) e.reject(error);
    try {
      this.onFailure?.(error, rows);
    } catch (err2) {
      this.logger.error({ err: err2 }, 'buffer onFailure observer failed');
    }
  }
}
