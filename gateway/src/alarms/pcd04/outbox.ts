/**
 * The PCD-04 queue in SQLite (`pcd04_outbox`). `enqueue` runs on the alarm evaluation
 * path, so it only appends to memory; the rows are written on the next turn of the event
 * loop, all in one transaction, in order. A write the disk refuses (locked, full) stays
 * at the head of memory and is tried again with backoff on the Clock, ahead of later
 * messages, so the table always holds a prefix of the engine's order. The sender reads
 * the oldest unacknowledged row; what is not written yet waits behind it.
 */
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '@wardlink/shared';
import { silentAlarmLogger, type AlarmLogger } from '../types.js';

export interface QueuedMessage {
  seq: number;
  eventId: string;
  alarmId: string;
  phase: string;
  message: string;
  attempts: number;
}

export interface NewMessage {
  eventId: string;
  alarmId: string;
  phase: string;
  message: string;
  queuedAtMs: number;
}

const ACKED_KEPT_MS = 7 * 86_400_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class Pcd04Outbox {
  private pending: NewMessage[] = [];
  private scheduled = false;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  /** Every row up to this seq is acknowledged (messages go in order), written or not. */
  private ackedThrough = 0;
  private readonly insert: Database.Statement;
  private readonly headStmt: Database.Statement;
  private readonly ackStmt: Database.Statement;
  private readonly attemptStmt: Database.Statement;
  private readonly countStmt: Database.Statement;
  /** Called after rows were written (the sender wakes up). */
  onWritten: () => void = () => {};
  writeFailures = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly logger: AlarmLogger = silentAlarmLogger,
  ) {
    this.insert = db.prepare('INSERT INTO pcd04_outbox (event_id, alarm_id, phase, message, queued_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING');
    this.headStmt = db.prepare('SELECT seq, event_id AS eventId, alarm_id AS alarmId, phase, message, attempts FROM pcd04_outbox WHERE acked_at_ms IS NULL AND seq > ? ORDER BY seq LIMIT 1');
    this.ackStmt = db.prepare('UPDATE pcd04_outbox SET acked_at_ms = ? WHERE seq <= ? AND acked_at_ms IS NULL');
    this.attemptStmt = db.prepare('UPDATE pcd04_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM pcd04_outbox WHERE acked_at_ms IS NULL AND seq > ?');
  }

  /** On the evaluation path: memory only. */
  enqueue(message: NewMessage): void {
    this.pending.push(message);
    this.schedule();
  }

  /** The oldest message not acknowledged yet, or null. */
  head(): QueuedMessage | null {
    return (this.headStmt.get(this.ackedThrough) as QueuedMessage | undefined) ?? null;
  }

  /** The manager acknowledged `seq`. Held in memory at once (the next head is the next
   * row); a disk that refuses the update gets it again with the next acknowledgement, or
   * at restart the row is sent once more (same MSH-10: the manager can drop the copy). */
  acknowledged(seq: number): void {
    this.ackedThrough = Math.max(this.ackedThrough, seq);
    try {
      this.ackStmt.run(this.clock.now(), this.ackedThrough);
    } catch (err) {
      this.writeFailures += 1;
      this.logger.warn({ err, seq }, 'PCD-04 acknowledgement not written yet; kept in memory');
    }
  }

  /** A refused or unanswered attempt, with why (kept on the row for `status` and audits). */
  attemptFailed(seq: number, why: string): void {
    try {
      this.attemptStmt.run(why.slice(0, 200), seq);
    } catch (err) {
      this.logger.debug({ err, seq }, 'PCD-04 attempt count not written');
    }
  }

  /** Messages waiting: written and not acknowledged, plus those not written yet. */
  get depth(): number {
    return (this.countStmt.get(this.ackedThrough) as { n: number }).n + this.pending.length;
  }

  /** Acknowledged rows older than a week go; unacknowledged ones never do. */
  prune(): number {
    return this.db.prepare('DELETE FROM pcd04_outbox WHERE acked_at_ms IS NOT NULL AND acked_at_ms < ?').run(this.clock.now() - ACKED_KEPT_MS).changes;
  }

  /** Writes what is pending now (stop, tests). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    try {
      this.db.transaction(() => {
        for (const m of batch) this.insert.run(m.eventId, m.alarmId, m.phase, m.message, m.queuedAtMs);
      })();
    } catch (err) {
      this.writeFailures += 1;
      this.failures += 1;
      if (this.failures === 1) this.logger.error({ err, queued: batch.length }, 'PCD-04 messages not written to the outbox yet; retrying (they stay in order, in memory)');
      this.retryLater();
      return;
    }
    if (this.failures > 0) this.logger.warn({ failures: this.failures }, 'PCD-04 outbox writable again');
    this.failures = 0;
    this.pending = this.pending.slice(batch.length);
    this.onWritten();
  }

  stop(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.flush();
  }

  private schedule(): void {
    if (this.scheduled || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private retryLater(): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.failures - 1, 10));
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, delay);
    this.retryTimer.unref();
  }
}
