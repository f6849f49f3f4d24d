/**
 * The history's refusals that come from where a day's readings are: each a class with a
 * stable code, answered before the first line (or, after the 200, as the error line).
 */
import { ApiError } from '@wardlink/shared';

/** 410: a day of the range was purged at the end of its hospital's archive period, and
 * no legal hold kept the patient's readings. Gone, which is not the same as empty. */
export class HistoryPurgedError extends ApiError {
  readonly purgedDays: readonly string[];
  constructor(purgedDays: string[]) {
    super(
      'WL_HISTORY_PURGED',
      410,
      `the readings of ${purgedDays.join(', ')} were purged at the end of the hospital's archive period; ask for a range without ${purgedDays.length === 1 ? 'that day' : 'those days'}`,
      { purgedDays },
    );
    this.purgedDays = purgedDays;
  }
}

/** 503: an archived day's objects could not be read (the store is unreachable, an object
 * is missing or does not match its manifest). Retrying may help; the archive's own
 * `archive verify` tells whether it is the store. */
export class ArchiveUnavailableError extends ApiError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('WL_HISTORY_ARCHIVE_UNAVAILABLE', 503, `an archived day of the range could not be read: ${reason}; retry later, and if it persists run "wardlink-cloud archive verify"`, {}, 5);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** 503, as the error line of a streamed answer: a day moved between PostgreSQL and the
 * archive while it was read (its archive job detached, dropped or purged it), so the
 * answer may miss readings. Asking again reads the day where it is now. */
export class HistoryDayMovedError extends ApiError {
  constructor(days: string[]) {
    super('WL_HISTORY_DAY_MOVED', 503, `${days.join(', ')} moved to the archive while it was read; ask again`, { days }, 1);
  }
}
