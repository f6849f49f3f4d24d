/**
 * The alarm audit trail's writer. Every event goes ONCE to the one alarm table,
 * `alarm_events` (the audit trail and the upload queue), through an `AlarmSink`: the
 * buffer writer in the daemon (its commit thread, off the event loop), else a
 * DirectAlarmSink on `db`. `record` only queues, so a slow or full disk delays the row,
 * never the alarm.
 *
 * Never lose an event, never reorder one:
 * - The queue is written in order, one write at a time, each write all-or-none (the sink's
 *   contract). A refused write (disk full, lock held too long, I/O error) goes back to the
 *   head of the queue and is tried again with backoff on the Clock (audit-retry.ts), ahead
 *   of the events recorded meanwhile. So an alarm's phases are stored in the order they
 *   happened, which is what replaying an alarm from its rows relies on (audit-query.ts).
 * - A write that failed on our side but committed anyway (the commit thread died after its
 *   COMMIT) is harmless when tried again: the table keeps one row per event_id.
 * - The upload needs nothing more: the outbox takes every committed, unbatched row.
 * - What cannot be kept is logged in full: an event SQLite could never store (checked
 *   before it is queued, event-check.ts), the oldest events past `maxQueued` while the disk
 *   refuses writes for very long, and what is still refused after `close`.
 */
import { systemClock, type AlarmEvent, type Clock, type TimerHandle } from '@wardlink/shared';
import type Database from 'better-sqlite3';
import { DirectAlarmSink } from '../buffer/direct-alarm-sink.js';
import { sqliteCode } from '../buffer/sqlite-codes.js';
import type { AlarmRecorder } from './alarm-book.js';
import { WriteFailures, type AuditRetryOptions } from './audit-retry.js';
import { unstorableBecause } from './event-check.js';
import { silentAlarmLogger, type AlarmLogger, type AlarmSink } from './types.js';

export interface AuditLogOptions extends AuditRetryOptions {
  clock?: Clock;
  logger?: AlarmLogger;
  /** Where events are stored: the buffer writer in the daemon. Default: `db` itself. */
  sink?: AlarmSink;
  /** How long events gather in memory before a write, ms. Default 0 with a sink (handed
   * over in `record` itself: the writer gathers them into its own group commit), 100
   * without (each write is then a transaction on the event loop). */
  flushEveryMs?: number;
  /** Most events in one write. Default 1000. */
  maxPerWrite?: number;
  /** Events kept in memory at most while the disk refuses writes; the oldest are dropped
   * (and logged) past it. Default 100,000. */
  maxQueued?: number;
}

/** Cumulative counts since start, for metrics. */
export interface AuditLogCounters {
  /** Events written (an event already in the table counts, and is stored once). */
  stored: number;
  /** Writes refused and kept for a retry. */
  failedWrites: number;
  /** Events SQLite can never store (a bad field): logged in full, not kept. */
  refused: number;
  /** Events dropped, oldest first, while more than `maxQueued` waited. */
  dropped: number;
  /** Events still refused after `close` (logged with their ids). */
  lost: number;
}

export class AuditLog implements AlarmRecorder {
  private queue: AlarmEvent[] = [];
  private timer: TimerHandle | null = null;
  /** Writes handed to the sink and not settled: one at a time, except after close. */
  private writing = 0;
  private writingEvents = 0;
  /** This many events are written one per write, to find the one SQLite refuses. */
  private isolate = 0;
  private overflowing = false;
  private closed = false;
  private readonly clock: Clock;
  private readonly logger: AlarmLogger;
  private readonly sink: AlarmSink;
  private readonly failures: WriteFailures;
  private readonly flushEveryMs: number;
  private readonly maxPerWrite: number;
  private readonly maxQueued: number;
  readonly counters: AuditLogCounters = { stored: 0, failedWrites: 0, refused: 0, dropped: 0, lost: 0 };

  constructor(db: Database.Database, opts: AuditLogOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentAlarmLogger;
    this.sink = opts.sink ?? new DirectAlarmSink(db, () => this.clock.now());
    this.failures = new WriteFailures(this.clock, this.logger, opts);
    this.flushEveryMs = opts.flushEveryMs ?? (opts.sink ? 0 : 100);
    this.maxPerWrite = Math.max(1, opts.maxPerWrite ?? 1000);
    this.maxQueued = opts.maxQueued ?? 100_000;
  }

  record(event: AlarmEvent): void {
    const why = unstorableBecause(event);
    if (why !== null) {
      this.counters.refused += 1;
      this.logger.error({ event, reason: why }, 'alarm event cannot be stored (a bad field); it is not in the audit trail');
      return;
    }
    this.queue.push(event);
    if (this.queue.length > this.maxQueued) this.dropOldest();
    if (this.closed) this.flushNow();
    else this.schedule(this.flushEveryMs);
  }

  /** Writes what is queued now (not waiting for the timer or a retry's backoff); returns
   * how many events were stored before it returned (0 with a sink that commits later). */
  flushNow(): number {
    this.timer?.cancel();
    this.timer = null;
    let stored = 0;
    // One write at a time, so a refused one is retried before anything recorded after it;
    // a refused write sets the retry timer, which ends the loop. After close, all at once.
    while (this.queue.length > 0 && this.timer === null && (this.writing === 0 || this.closed)) stored += this.writeNext();
    return stored;
  }

  /** Events not stored yet: waiting, or being written. */
  get queued(): number {
    return this.queue.length + this.writingEvents;
  }

  /** Stops the timer and writes everything queued at once (shutdown). With the buffer
   * writer, close this before the writer: the writer's close commits what it was given. */
  close(): void {
    this.closed = true;
    this.flushNow();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null || this.writing > 0 || this.queue.length === 0) return;
    if (delayMs <= 0) this.flushNow();
    else this.timer = this.clock.setTimeout(() => this.flushNow(), delayMs).unref();
  }

  /** Hands the next events to the sink; returns how many were stored synchronously. */
  private writeNext(): number {
    const batch = this.queue.splice(0, this.isolate > 0 ? 1 : this.maxPerWrite);
    this.writing += 1;
    this.writingEvents += batch.length;
    let pending: Promise<void> | void;
    try {
      pending = this.sink.appendAlarms(batch);
    } catch (err) {
      this.settle(batch);
      this.failed(batch, err);
      return 0;
    }
    if (pending === undefined) {
      this.settle(batch);
      this.stored(batch);
      return batch.length;
    }
    pending.then(
      () => {
        this.settle(batch);
        this.stored(batch);
        this.schedule(this.flushEveryMs);
      },
      (err: unknown) => {
        this.settle(batch);
        if (this.failed(batch, err)) this.schedule(0);
      },
    );
    return 0;
  }

  private settle(batch: readonly AlarmEvent[]): void {
    this.writing -= 1;
    this.writingEvents -= batch.length;
  }

  private stored(batch: readonly AlarmEvent[]): void {
    if (batch.length === 1 && this.isolate > 0) this.isolate -= 1;
    this.counters.stored += batch.length;
    this.failures.stored();
    if (this.queue.length === 0) this.overflowing = false;
  }

  /** Keeps a refused write for a retry (or gives it up); returns true to go on at once. */
  private failed(batch: AlarmEvent[], err: unknown): boolean {
    if (this.closed) {
      this.counters.lost += batch.length;
      this.logger.error({ err, events: batch.length, eventIds: batch.slice(0, 1000).map((e) => e.eventId) }, 'alarm events not stored at shutdown: lost');
      return false;
    }
    if (refusedForContent(err)) {
      if (batch.length > 1) {
        this.isolate = batch.length; // again one by one: only the refused event is given up
        this.queue = batch.concat(this.queue);
        return true;
      }
      if (this.isolate > 0) this.isolate -= 1;
      this.counters.refused += 1;
      this.logger.error({ err, event: batch[0] }, 'alarm event refused by SQLite for its content; it is not in the audit trail');
      return true;
    }
    this.queue = batch.concat(this.queue);
    this.counters.failedWrites += 1;
    const retryInMs = this.failures.failed(err, this.queued);
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.flushNow(), retryInMs).unref();
    return false;
  }

  private dropOldest(): void {
    const dropped = this.queue.splice(0, this.queue.length - this.maxQueued);
    this.counters.dropped += dropped.length;
    if (this.overflowing) return; // logged once per overflow; `counters.dropped` keeps the count
    this.overflowing = true;
    this.logger.error({ maxQueued: this.maxQueued, firstDropped: dropped[0]?.eventId }, 'alarm event queue full (the disk refuses writes); the oldest events are dropped');
  }
}

/** SQLite refused the content (a CHECK, a type): writing the same events again cannot help.
 * Only SQLite's own codes count: any other failure may pass, so it is retried. */
function refusedForContent(err: unknown): boolean {
  return [err, (err as { cause?: unknown } | null)?.cause].some((e) => {
    const code = sqliteCode(e);
    return code !== undefined && (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG');
  });
}
