/**
 * The buffer's single writer, with group commit. Transports call `append` and acknowledge
 * (MQTT PUBACK, HL7 ACK) only when its promise resolves: by then the transaction holding
 * the readings has COMMITTED. A transaction is committed every `flushIntervalMs` or as
 * soon as `maxBatchReadings` rows are queued, whichever comes first.
 *
 * Backpressure: at most `maxQueuedReadings` rows wait in memory. When that is reached,
 * `append` neither drops nor throws: its promise stays pending until there is room and
 * then until its commit, in arrival order. Producers that can pause (MQTT socket, serial
 * stream, TCP socket) check `hasCapacity()` and wait for `waitForCapacity()` or the
 * 'drain' event. The queue fills when the commit cannot run: another process (the CLI)
 * holds the write lock. The writer then never blocks the event loop on the lock (alarms
 * keep flowing): it retries every `lockRetryMs` for up to `lockWaitMs`, then fails.
 *
 * Failures: a commit that fails (disk full, I/O error, lock held too long) rejects every
 * append it held with a typed BufferError and the writer carries on. A write whose data
 * SQLite refuses (a NaN value, a duplicate) is isolated: the others of its transaction
 * are committed again without it, and only its own append is rejected.
 */
import { EventEmitter } from 'node:events';
import { BufferClosedError, type AlarmEvent, type Clock, type Reading, type TimerHandle } from '@wardlink/shared';
import { prepareInserts } from './rows.js';
import { isBusy, isDataError, toBufferError } from './sqlite-errors.js';
import type { BufferStore } from './store.js';
import type { BufferLogger, CommitStats } from './types.js';
import { resolveWriterLimits, type WriterLimits } from './writer-options.js';

export interface WriterOptions extends Partial<WriterLimits> {
  /** Called after every commit, for the commit-latency histogram and rows-per-commit. */
  onCommit?: (stats: CommitStats) => void;
  clock?: Clock;
  logger?: BufferLogger;
}

interface Entry {
  readings: readonly Reading[] | null;
  alarm: AlarmEvent | null;
  rows: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

type Outcome = 'committed' | 'busy';

export class BufferWriter extends EventEmitter<{ drain: [] }> {
  readonly limits: WriterLimits;
  private readonly clock: Clock;
  private readonly logger: BufferLogger;
  private readonly onCommit: ((stats: CommitStats) => void) | undefined;
  private readonly write: (entries: readonly Entry[]) => { readings: number; alarms: number };
  private readonly queue: Entry[] = [];
  /** Appends waiting for room in the queue, in arrival order. */
  private readonly waiting: Entry[] = [];
  private queued = 0;
  private flushTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private lockWaitSinceMs: number | null = null;
  private wasFull = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly store: BufferStore, opts: WriterOptions = {}) {
    super();
    this.setMaxListeners(0); // every paused producer (one per MQTT connection) may wait for 'drain'
    this.limits = resolveWriterLimits(opts, store.durability);
    this.clock = opts.clock ?? store.clock;
    this.logger = opts.logger ?? store.logger;
    this.onCommit = opts.onCommit;
    const inserts = prepareInserts(store.db);
    const tx = store.db.transaction((entries: readonly Entry[], nowMs: number) => {
      const groups: (readonly Reading[])[] = [];
      let readings = 0;
      let alarms = 0;
      for (const e of entries) {
        if (e.readings) {
          groups.push(e.readings);
          readings += e.readings.length;
        } else if (e.alarm) {
          alarms += inserts.insertAlarm(e.alarm, nowMs);
        }
      }
      inserts.insertReadings(groups);
      return { readings, alarms };
    });
    // BEGIN IMMEDIATE takes the write lock up front, so "busy" can only happen before any work.
    this.write = (entries) => tx.immediate(entries, this.clock.now());
  }

  /** Resolves once the readings are committed; rejects with a BufferError if they could not be. */
  append(readings: readonly Reading[]): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    if (readings.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.admit({ readings, alarm: null, rows: readings.length, resolve, reject }));
  }

  /** Stores an alarm event (never evicted). Idempotent by eventId, so a retry is safe. */
  appendAlarm(event: AlarmEvent): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    return new Promise((resolve, reject) => this.admit({ readings: null, alarm: event, rows: 1, resolve, reject }));
  }

  /** Rows (readings + alarm events) appended but not yet committed, including those waiting for room. */
  get queuedReadings(): number {
    return this.queued + this.waiting.reduce((n, e) => n + e.rows, 0);
  }

  hasCapacity(): boolean {
    return !this.closed && this.waiting.length === 0 && this.queued < this.limits.maxQueuedReadings;
  }

  /** Resolves when `hasCapacity()` is true again (also signalled by the 'drain' event). */
  waitForCapacity(): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    if (this.hasCapacity()) return Promise.resolve();
    this.wasFull = true;
    return new Promise((resolve) => this.once('drain', resolve));
  }

  /** Commits everything queued now; resolves when nothing is left (failed appends were rejected). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.waiting.length === 0) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.retryTimer === null) this.commitQueued(true);
    return idle;
  }

  /** Refuses new appends, commits everything queued, then stops its timers (SIGTERM path). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.flushTimer?.cancel();
    this.flushTimer = null;
    this.emit('drain'); // wake producers waiting for room: their next append is refused
  }

  private admit(entry: Entry): void {
    const overflow = this.queued > 0 && this.queued + entry.rows > this.limits.maxQueuedReadings;
    if (this.waiting.length > 0 || overflow) {
      this.waiting.push(entry);
      this.wasFull = true;
      if (this.retryTimer === null) this.commitQueued(false);
      return;
    }
    this.queue.push(entry);
    this.queued += entry.rows;
    if (this.queued >= this.limits.maxQueuedReadings) this.wasFull = true;
    if (this.retryTimer !== null) return; // waiting out another process's lock
    if (this.queued >= this.limits.maxBatchReadings) this.commitQueued(false);
    else this.flushTimer ??= this.clock.setTimeout(() => this.onFlushTimer(), this.limits.flushIntervalMs);
  }

  private onFlushTimer(): void {
    this.flushTimer = null;
    if (this.retryTimer === null) this.commitQueued(true);
  }

  /** Commits full transactions (or, with `all`, everything) until the queue allows a pause. */
  private commitQueued(all: boolean): void {
    while (this.queue.length > 0 || this.waiting.length > 0) {
      if (!all && this.waiting.length === 0 && this.queued < this.limits.maxBatchReadings) break;
      this.admitWaiting();
      if (this.commitOne() === 'busy') {
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = null;
          this.commitQueued(true);
        }, this.limits.lockRetryMs);
        return;
      }
    }
    if (this.queue.length === 0) {
      this.flushTimer?.cancel();
      this.flushTimer = null;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    } else {
      this.flushTimer ??= this.clock.setTimeout(() => this.onFlushTimer(), this.limits.flushIntervalMs);
    }
    if (this.wasFull && this.hasCapacity()) {
      this.wasFull = false;
      this.emit('drain');
    }
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (this.queued > 0 && this.queued + next.rows > this.limits.maxQueuedReadings) return;
      this.waiting.shift();
      this.queue.push(next);
      this.queued += next.rows;
    }
  }

  /** Commits the oldest entries, up to maxBatchReadings rows (at least one entry). */
  private commitOne(): Outcome {
    let count = 0;
    let rows = 0;
    while (count < this.queue.length && (count === 0 || rows + this.queue[count]!.rows <= this.limits.maxBatchReadings)) {
      rows += this.queue[count]!.rows;
      count += 1;
    }
    const entries = this.queue.slice(0, count);
    const started = this.clock.monotonicMs();
    const db = this.store.db;
    let result: { readings: number; alarms: number };
    try {
      db.pragma('busy_timeout = 0');
      try {
        result = this.write(entries);
      } finally {
        db.pragma(`busy_timeout = ${this.store.busyTimeoutMs}`);
      }
    } catch (err) {
      if (isBusy(err) && this.keepWaitingForLock()) return 'busy';
      this.queue.splice(0, count);
      this.queued -= rows;
      this.lockWaitSinceMs = null;
      if (isDataError(err) && entries.length > 1) this.commitEachAlone(entries);
      else this.fail(entries, err);
      return 'committed';
    }
    this.queue.splice(0, count);
    this.queued -= rows;
    this.lockWaitSinceMs = null;
    this.succeed(entries, result, this.clock.monotonicMs() - started);
    return 'committed';
  }

  private keepWaitingForLock(): boolean {
    const now = this.clock.monotonicMs();
    this.lockWaitSinceMs ??= now;
    return now - this.lockWaitSinceMs < this.limits.lockWaitMs;
  }

  /** After a data error: one transaction per append, so only the bad one is refused. */
  private commitEachAlone(entries: readonly Entry[]): void {
    for (const entry of entries) {
      const started = this.clock.monotonicMs();
      try {
        const result = this.write([entry]);
        this.succeed([entry], result, this.clock.monotonicMs() - started);
      } catch (err) {
        this.fail([entry], err);
      }
    }
  }

  private succeed(entries: readonly Entry[], result: { readings: number; alarms: number }, latencyMs: number): void {
    this.store.tally.add(result.readings);
    for (const e of entries) e.resolve();
    if (!this.onCommit) return;
    try {
      this.onCommit({ rows: result.readings + result.alarms, readings: result.readings, alarms: result.alarms, latencyMs, queuedReadings: this.queued });
    } catch (err) {
      this.logger.error({ err }, 'buffer onCommit observer failed');
    }
  }

  private fail(entries: readonly Entry[], err: unknown): void {
    const error = toBufferError(err, this.store.path);
    const rows = entries.reduce((n, e) => n + e.rows, 0);
    this.logger.error({ err: error, code: error.code, rows }, 'buffer commit failed; the appends were rejected');
    for (const e of entries) e.reject(error);
  }
}
