/**
 * Errors of the compaction job. A unit that throws one is rolled back whole (its rows stay
 * rows) and the next run tries it again.
 */
import { WardlinkError } from '@wardlink/shared';

/** A unit's readings could not be read exactly (a malformed COPY stream, a value beyond 2^52). */
export class CompactionReadError extends WardlinkError {
  constructor(reason: string) {
    super('WL_COMPACTION_READ_FAILED', `compaction could not read a unit's readings: ${reason}; the unit was rolled back, its rows are intact`, {});
  }
}
