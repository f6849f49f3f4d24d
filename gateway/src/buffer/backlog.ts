/**
 * What is waiting to be uploaded: unbatched items plus the content of pending batches.
 * Quarantined batches are set aside and do not count.
 */
import type Database from 'better-sqlite3';
import { outboxSpans } from './outbox-spans.js';
import { perConnection } from './per-connection.js';

/** Prepared once per connection: the daemon asks every second (gauges, the uplink's
 * progress), and preparing was most of an idle gateway's CPU in these functions. */
function backlogStatements(db: Database.Database) {
  return {
    lastEnd: db.prepare('SELECT id + n FROM reading_records WHERE id < ? ORDER BY id DESC LIMIT 1').pluck(),
    pendingReadings: db.prepare("SELECT coalesce(sum(reading_count), 0) FROM outbox_batches WHERE state = 'pending'").pluck(),
    unbatchedAlarms: db.prepare('SELECT count(*) FROM alarm_events WHERE batch_seq IS NULL').pluck(),
    pendingAlarms: db.prepare("SELECT coalesce(sum(alarm_count), 0) FROM outbox_batches WHERE state = 'pending'").pluck(),
    oldestAlarm: db.prepare('SELECT time_ms FROM alarm_events WHERE batch_seq IS NULL ORDER BY time_ms, id LIMIT 1').pluck(),
    oldestPending: db.prepare("SELECT min(oldest_item_ms) FROM outbox_batches WHERE state = 'pending'").pluck(),
    receivedAt: db.prepare('SELECT received_at_ms FROM reading_records WHERE id = ?').pluck(),
  };
}
const statements = perConnection(backlogStatements);

/**
 * Unbatched readings: rows in no batch's range (outbox-spans.ts). Ids number readings and
 * a run's rows are contiguous but for the oldest ones eviction removed, so a run counts
 * as (the end of its last row) - (its first row's id): O(runs), not O(rows).
 */
export function countUnbatchedReadings(db: Database.Database): number {
  const { lastEnd } = statements(db);
  let total = 0;
  for (const run of outboxSpans(db).runs()) total += (lastEnd.get(run.toId) as number) - run.fromId;
  return total;
}

/** Exact count; O(runs of unbatched rows) plus the pending batches. */
export function countUnsentReadings(db: Database.Database): number {
  const unbatched = countUnbatchedReadings(db);
  const inPending = statements(db).pendingReadings.get() as number;
  return unbatched + inPending;
}

/** Alarm events are few; counted exactly. */
export function countUnsentAlarms(db: Database.Database): number {
  const s = statements(db);
  const unbatched = s.unbatchedAlarms.get() as number;
  const inPending = s.pendingAlarms.get() as number;
  return unbatched + inPending;
}

/** Time (UTC ms) of the oldest unsent reading (receive time) or alarm event; O(log n). */
export function oldestUnsentMs(db: Database.Database): number | null {
  const s = statements(db);
  const candidates = [oldestUnbatchedMs(db), s.oldestAlarm.get(), s.oldestPending.get()].filter((v): v is number => typeof v === 'number');
  return candidates.length === 0 ? null : Math.min(...candidates);
}

function oldestUnbatchedMs(db: Database.Database): number | null {
  const run = outboxSpans(db).run('oldest');
  if (run === null) return null;
  return statements(db).receivedAt.get(run.fromId) as number;
}

/**
 * A running count of unsent readings, kept by the modules that change it (writer +,
 * outbox and eviction -), so `bufferUsage()` never counts millions of rows. It starts
 * from an exact count on first use. It is per store instance: another process (the CLI)
 * gets its own exact count when it opens the file.
 *
 * The writer's commits run on another connection and are added when reported, so the
 * outbox may batch (remove) readings a moment before the writer adds them: the value may
 * dip below zero in between and is only clamped when read.
 */
export class UnsentTally {
  private value: number | undefined;

  constructor(private readonly db: Database.Database) {}

  get readings(): number {
    this.value ??= countUnsentReadings(this.db);
    return Math.max(0, this.value);
  }

  add(n: number): void {
    if (this.value !== undefined) this.value += n;
  }

  remove(n: number): void {
    if (this.value !== undefined) this.value -= n;
  }

  /** Recounts exactly (after a repair, or in tests). */
  resync(): number {
    this.value = countUnsentReadings(this.db);
    return this.value;
  }
}
