/**
 * Stores alarm events in `alarm_events` on the caller's own connection, for an alarm
 * service that runs without a BufferWriter (tests, tools). The daemon never uses it: there
 * the writer's commit thread stores the events, off the event loop. Same statement as the
 * writer (rows.ts), same contract: all of a call's events in one transaction or none, in
 * order, idempotent by eventId, failures thrown as typed BufferErrors.
 */
import type Database from 'better-sqlite3';
import type { AlarmEvent } from '@wardlink/shared';
import { prepareAlarmInsert } from './rows.js';
import { toBufferError } from './sqlite-errors.js';

export class DirectAlarmSink {
  private readonly write: Database.Transaction<(events: readonly AlarmEvent[], recordedAtMs: number) => void>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    const insert = prepareAlarmInsert(db);
    this.write = db.transaction((events: readonly AlarmEvent[], recordedAtMs: number) => {
      for (const e of events) insert(e, recordedAtMs);
    });
  }

  /** Synchronous: returns once committed, throws (nothing stored) otherwise. */
  appendAlarms(events: readonly AlarmEvent[]): void {
    if (events.length === 0) return;
    try {
      // IMMEDIATE: the write lock is taken up front, so a busy database fails before any work.
      this.write.immediate(events, this.now());
    } catch (err) {
      throw toBufferError(err, this.db.name);
    }
  }
}
