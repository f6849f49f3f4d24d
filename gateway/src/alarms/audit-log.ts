/**
 * The alarm audit trail's writer. `record` only queues (and hands the event to the
 * upload buffer without awaiting it); a Clock timer writes the queue to `alarm_audit` in
 * one transaction every `flushEveryMs`. So a slow disk delays the audit row, never the
 * alarm. A failed write keeps the queue and is retried at the next flush.
 */
import type Database from 'better-sqlite3';
import { systemClock, type AlarmEvent, type Clock, type TimerHandle } from '@wardlink/shared';
import type { AlarmRecorder } from './alarm-book.js';
import { silentAlarmLogger, type AlarmLogger, type AlarmSink } from './types.js';

export interface AuditLogOptions {
  clock?: Clock;
  logger?: AlarmLogger;
  /** The upload buffer (`BufferWriter.appendAlarm`). */
  sink?: AlarmSink;
  /** Default 100 ms. */
  flushEveryMs?: number;
  /** Events kept in memory at most while the disk refuses writes; the oldest are dropped
   * (and logged) past it. Default 100,000. */
  maxQueued?: number;
}

export class AuditLog implements AlarmRecorder {
  private queue: AlarmEvent[] = [];
  private timer: TimerHandle | null = null;
  private readonly clock: Clock;
  private readonly logger: AlarmLogger;
  private readonly flushEveryMs: number;
  private readonly maxQueued: number;
  private readonly insert: Database.Statement;
  private closed = false;
  /** Events the sink refused (logged); the audit row is still written. */
  sinkFailures = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: AuditLogOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentAlarmLogger;
    this.flushEveryMs = opts.flushEveryMs ?? 100;
    this.maxQueued = opts.maxQueued ?? 100_000;
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO alarm_audit (event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition,
         priority, phase, time_ms, value, actor, message, recorded_at_ms)
       VALUES (@eventId, @alarmId, @bedId, @patientId, @deviceId, @source, @metric, @condition,
         @priority, @phase, @timeMs, @value, @actor, @message, @recordedAtMs)`,
    );
  }

  record(event: AlarmEvent): void {
    this.queue.push(event);
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueued);
      this.logger.error({ dropped: dropped.length }, 'alarm audit queue full (disk refusing writes); oldest audit rows dropped');
    }
    this.toSink(event);
    if (!this.closed) this.timer ??= this.clock.setTimeout(() => this.flushNow(), this.flushEveryMs).unref();
  }

  /** Writes everything queued now. Returns how many rows were written. */
  flushNow(): number {
    this.timer = null;
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    try {
      const recordedAtMs = this.clock.now();
      this.db.transaction(() => {
        for (const e of batch) this.insert.run({ ...e, recordedAtMs });
      })();
      return batch.length;
    } catch (err) {
      this.queue = batch.concat(this.queue);
      this.logger.error({ err, queued: this.queue.length }, 'alarm audit write failed; retrying');
      if (!this.closed) this.timer ??= this.clock.setTimeout(() => this.flushNow(), Math.max(this.flushEveryMs, 1000)).unref();
      return 0;
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Flushes and stops the timer (shutdown). */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.flushNow();
  }

  private toSink(event: AlarmEvent): void {
    const sink = this.opts.sink;
    if (!sink) return;
    try {
      sink.appendAlarm(event).catch((err: unknown) => this.sinkFailed(event, err));
    } catch (err) {
      this.sinkFailed(event, err);
    }
  }

  private sinkFailed(event: AlarmEvent, err: unknown): void {
    this.sinkFailures += 1;
    this.logger.error({ err, eventId: event.eventId, alarmId: event.alarmId }, 'alarm event not taken by the upload buffer; it stays in the audit table');
  }
}
