/**
 * The buffer's single writer, with group commit. Transports call `append` and acknowledge
 * (MQTT PUBACK, HL7 ACK) only when its promise resolves: by then the transaction holding
 * the readings has COMMITTED. A transaction is committed `flushIntervalMs` after its first
 * append once a page's worth has come, else at `maxCommitDelayMs`, or as soon as
 * `maxBatchReadings` rows are queued; an append whose sender waits for it (`prompt`) within
 * `flushIntervalMs`, and at once (or right after the commit running) when that sender sends
 * back to back or names none, as alarm events (see `append`, `admit`, `backToBack`).
 *
 * The transactions run on a worker thread with its own connection (thread-committer.ts,
 * commit-worker.ts): the main thread only queues, encodes a group and posts it, so MQTT,
 * HL7 and the alarm path keep running while SQLite inserts, fsyncs and checkpoints. One
 * group is committed at a time; appends arriving meanwhile form the next group. The main
 * thread's own writes (outbox, eviction, registry, audit) wait at most for the group in
 * progress on SQLite's write lock, since no next group is posted while they wait.
 *
 * Backpressure: at most `maxQueuedReadings` rows wait in memory (queued or being
 * committed). When that is reached, `append` neither drops nor throws: its promise stays
 * pending until there is room and then until its commit, in arrival order. Producers that
 * can pause (MQTT socket, serial stream, TCP socket) check `hasCapacity()` and wait for
 * `waitForCapacity()` or the 'drain' event. The queue fills when commits are slower than
 * arrivals, or cannot run: another process (the CLI) holds the write lock. The writer then
 * retries every `lockRetryMs` on its clock for up to `lockWaitMs`, then fails.
 *
 * Failures: a commit that fails (disk full, I/O error, lock held too long) rejects every
 * append it held with a typed BufferError and the writer carries on. A write whose data
 * SQLite refuses (a NaN value, a duplicate) is isolated: the others of its transaction
 * are committed again without it, and only its own append is rejected. The appends of a
 * finished commit are settled in writer-settle.ts; its types are in writer-entry.ts.
 */
import { EventEmitter } from 'node:events';
import { BufferClosedError, type AlarmEvent, type BufferError, type Clock, type Reading, type TimerHandle } from '@wardlink/shared';
import { fromCommitFailure, type CommitOutcome } from './commit-batch.js';
import { toBufferError } from './sqlite-errors.js';
import { ThreadCommitter } from './thread-committer.js';
import type { BufferStore } from './store.js';
import type { WriterEntry as Entry, WriterOptions } from './writer-entry.js';
import { FlushWaiters } from './writer-flush-waiters.js';
import { resolveWriterLimits, type WriterLimits } from './writer-options.js';
import { CommitSettler, lockHeldTooLong } from './writer-settle.js';

export type { WriterOptions } from './writer-entry.js';

export class BufferWriter extends EventEmitter<{ drain: [] }> {
  readonly limits: WriterLimits;
  private readonly clock: Clock;
  /** Resolves or rejects the appends of each finished commit, and tells the observers. */
  private readonly settler: CommitSettler;
  /** While set, readings are refused at once with it; alarm events are still committed. */
  private readingsRefused: BufferError | null = null;
  private readonly committer: ThreadCommitter;
  /** Appends admitted and not yet handed to the committer, oldest first. */
  private readonly queue: Entry[] = [];
  /** Appends waiting for room in the queue, in arrival order. */
  private readonly waiting: Entry[] = [];
  /** The group being committed now (older than everything in `queue`). */
  private inFlight: Entry[] | null = null;
  private queuedRows = 0;
  private inFlightRows = 0;
  private lastSeq = 0;
  /** Appends up to this seq are committed now, without waiting for a full group. */
  private flushThroughSeq = 0;
  private flushTimer: TimerHandle | null = null;
  /** When the flush timer of the waiting group was armed (monotonic ms), and whether flushIntervalMs has passed since. */
  private windowOpenedMs = 0;
  private windowMinPassed = false;
  private retryTimer: TimerHandle | null = null;
  private lockWaitSinceMs: number | null = null;
  private wasFull = false;
  private closed = false;
  private readonly idleWaiters = new FlushWaiters();

  constructor(private readonly store: BufferStore, opts: WriterOptions = {}) {
    super();
    this.setMaxListeners(0); // every paused producer (one per MQTT connection) may wait for 'drain'
    this.limits = resolveWriterLimits(opts, store.durability);
    this.clock = opts.clock ?? store.clock;
    this.settler = new CommitSettler(store, opts.logger ?? store.logger, () => this.clock.monotonicMs(), opts, () => this.queuedReadings);
    // Count the backlog before the first commit: commits land on another connection and
    // are added to the tally when reported, so a later first count would see some twice.
    void store.tally.readings;
    this.committer = new ThreadCommitter({ path: store.path, connection: store.connection });
  }

  /**
   * Resolves once the readings are committed; rejects with a BufferError if they could not
   * be. `dedup`: their times are the device's own, so a redelivered copy of readings stored
   * lately is dropped instead of stored twice (recent-records.ts); it resolves all the same.
   * `sharedTimeMs` (without dedup): the readings are a new measurement at this device time,
   * filed at a time of their own (device-clock.ts `sharedTime`): stored as they are, and
   * known by this time to the duplicate filter, so that a re-sent copy of them is one.
   * `prompt`: the sender sends nothing more until this commit (an HL7 connection or a
   * serial line, one message at a time; the MQTT bridge), so its group is committed at once
   * when no commit is running and it sends back to back (`sender`, the connection or serial
   * line: backToBack), else within flushIntervalMs, instead
   * of waiting up to maxCommitDelayMs for a page's worth: waiting
   * would cap such a sender at 1000 / maxCommitDelayMs messages a second (a central
   * station multiplexing a ward over one MLLP connection would fall behind).
   */
  append(readings: readonly Reading[], opts: { dedup?: boolean; sharedTimeMs?: number; prompt?: boolean; sender?: object } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    if (readings.length === 0) return Promise.resolve();
    if (this.readingsRefused) return Promise.reject(this.readingsRefused);
    const dedup = opts.dedup === true;
    const prompt = opts.prompt === true;
    const shared = !dedup && opts.sharedTimeMs !== undefined ? { sharedTimeMs: opts.sharedTimeMs } : {};
    const sender = prompt && opts.sender !== undefined ? { sender: opts.sender } : {};
    return new Promise((resolve, reject) => this.admit({ readings, alarms: null, dedup, ...shared, prompt, ...sender, rows: readings.length, seq: ++this.lastSeq, resolve, reject }));
  }

  /**
   * Refuses readings at once with `err` (null: takes them again). The daemon does this when
   * the disk is eating into the space kept for alarm events: readings stop, alarm events
   * and the audit still fit. Devices get no acknowledgement, so they keep their data.
   */
  refuseReadings(err: BufferError | null): void {
    this.readingsRefused = err;
  }

  /** Stores an alarm event (never evicted). Idempotent by eventId, so a retry is safe. */
  appendAlarm(event: AlarmEvent): Promise<void> {
    return this.appendAlarms([event]);
  }

  /**
   * Stores alarm events in this order, in one transaction: all of them or none, so the
   * audit log (alarms/audit-log.ts) that retries a refused write never leaves a gap that a
   * later phase of the same alarm overtakes. Idempotent by eventId. Committed promptly
   * (as a `prompt` append): they are few, and the audit trail should not lag the ward.
   */
  appendAlarms(events: readonly AlarmEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    if (events.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.admit({ readings: null, alarms: events, prompt: true, rows: events.length, seq: ++this.lastSeq, resolve, reject }));
  }

  /** Rows (readings + alarm events) appended but not yet committed, including those waiting for room. */
  get queuedReadings(): number {
    return this.queuedRows + this.inFlightRows + this.waiting.reduce((n, e) => n + e.rows, 0);
  }

  hasCapacity(): boolean {
    return !this.closed && this.waiting.length === 0 && this.queuedRows + this.inFlightRows < this.limits.maxQueuedReadings;
  }

  /** Resolves when `hasCapacity()` is true again (also signalled by the 'drain' event). */
  waitForCapacity(): Promise<void> {
    if (this.closed) return Promise.reject(new BufferClosedError());
    if (this.hasCapacity()) return Promise.resolve();
    this.wasFull = true;
    return new Promise((resolve) => this.once('drain', resolve));
  }

  /** Commits everything appended so far; resolves when all of it is settled (failed appends were rejected). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.waiting.length === 0 && this.inFlight === null) return Promise.resolve();
    const idle = this.idleWaiters.wait(this.lastSeq);
    this.flushThroughSeq = this.lastSeq;
    this.pump();
    return idle;
  }

  /** Refuses new appends, commits everything queued, then stops its timers and its thread (SIGTERM path). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.flushTimer?.cancel();
    this.flushTimer = null;
    this.emit('drain'); // wake producers waiting for room: their next append is refused
    await this.committer.close();
  }

  /**
   * Resolves once the commit thread has the file open (the daemon waits for it before it
   * takes input); rejects with a BufferError if it cannot open it.
   */
  async ready(): Promise<void> {
    try {
      await this.committer.ready();
    } catch (err) {
      throw toBufferError(err, this.store.path);
    }
  }

  /** Runs a pragma on the connection that commits (e.g. max_page_count, which is per connection). */
  commitConnectionPragma(sql: string): Promise<unknown> {
    return this.committer.pragma(sql);
  }

  private admit(entry: Entry): void {
    const queued = this.queuedRows + this.inFlightRows;
    if (this.waiting.length > 0 || (queued > 0 && queued + entry.rows > this.limits.maxQueuedReadings)) {
      this.waiting.push(entry);
      this.wasFull = true;
    } else {
      this.queue.push(entry);
      this.queuedRows += entry.rows;
      if (queued + entry.rows >= this.limits.maxQueuedReadings) this.wasFull = true;
      // A waiting sender arriving in a window whose flushIntervalMs has passed (at a ward's
      // rate one is nearly always open) commits with what is queued now, instead of waiting
      // for the window's maxCommitDelayMs. So does one that sends back to back (see
      // `backToBack`): at once, or right after the commit running. Not in this call: the
      // pipeline appends one record in two parts in the same tick (an NIBP with its own
      // time beside a record at a shared time), and both go in the one commit.
      if (entry.prompt === true && (this.windowMinPassed || (this.retryTimer === null && this.backToBack(entry)))) {
        this.flushThroughSeq = entry.seq;
        if (!this.pumpQueued) {
          this.pumpQueued = true;
          queueMicrotask(this.queuedPump);
        }
        return;
      }
    }
    this.pump();
  }

  private pumpQueued = false;
  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    this.pump();
  };

  /**
   * Whether a waiting sender's append should commit without waiting flushIntervalMs for
   * other senders' appends to share the commit. Yes for one that sends its next message as
   * soon as it has its ACK (its previous append was settled within flushIntervalMs): a
   * central station sending a ward over one MLLP connection gains nothing from waiting,
   * which capped it at 38 messages a second with `full` durability (92 with `normal`). No
   * for one that sends at its own pace (a monitor on its own serial line or connection, once
   * a second): waiting groups such senders, which halves the commits of a ward of them.
   * Yes for an append that names no sender (alarm events, the MQTT bridge's one message at
   * a time).
   */
  private backToBack(entry: Entry): boolean {
    if (entry.sender === undefined) return true;
    const last = this.lastSettledMs.get(entry.sender);
    return last !== undefined && this.clock.monotonicMs() - last <= this.limits.flushIntervalMs;
  }

  /** When each sender's last append was settled (backToBack). */
  private readonly lastSettledMs = new WeakMap<object, number>();

  /** Starts the next commit if one is due and none is running; otherwise keeps the flush timer armed. */
  private pump(): void {
    if (this.inFlight === null && this.retryTimer === null) {
      this.admitWaiting();
      const head = this.queue[0];
      const filled = this.windowMinPassed && this.queuedRows >= this.limits.fillReadings;
      const due = head !== undefined && (head.seq <= this.flushThroughSeq || this.queuedRows >= this.limits.maxBatchReadings || this.waiting.length > 0 || filled);
      if (due) this.dispatch();
    }
    if (this.queue.length === 0) {
      this.flushTimer?.cancel();
      this.flushTimer = null;
      this.windowMinPassed = false;
    } else if (this.flushTimer === null) {
      this.windowOpenedMs = this.clock.monotonicMs();
      this.windowMinPassed = false;
      this.flushTimer = this.clock.setTimeout(() => this.onFlushTimer(), this.limits.flushIntervalMs);
    }
  }

  /** flushIntervalMs after the window opened: commit now if the group is worth it, else wait for the fill or maxCommitDelayMs. */
  private onFlushTimer(): void {
    this.flushTimer = null;
    const left = this.limits.maxCommitDelayMs - (this.clock.monotonicMs() - this.windowOpenedMs);
    if (left <= 0 || this.queuedRows >= this.limits.fillReadings || this.queue.some((e) => e.prompt === true)) {
      this.flushThroughSeq = this.lastSeq;
    } else {
      this.windowMinPassed = true;
      this.flushTimer = this.clock.setTimeout(() => this.onFlushTimer(), left);
    }
    this.pump();
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      const queued = this.queuedRows + this.inFlightRows;
      if (queued > 0 && queued + next.rows > this.limits.maxQueuedReadings) return;
      this.waiting.shift();
      this.queue.push(next);
      this.queuedRows += next.rows;
    }
  }

  /** Hands the oldest entries, up to maxBatchReadings rows (at least one entry), to the committer. */
  private dispatch(): void {
    let count = 0;
    let rows = 0;
    while (count < this.queue.length && (count === 0 || rows + this.queue[count]!.rows <= this.limits.maxBatchReadings)) {
      rows += this.queue[count]!.rows;
      count += 1;
    }
    const entries = this.queue.splice(0, count);
    this.queuedRows -= rows;
    this.windowMinPassed = false;
    if (this.queue.length > 0) {
      // What is left (the group was split at maxBatchReadings) opens a window of its own:
      // the timer armed for the one dispatched may be its maxCommitDelayMs, which would
      // hold a waiting sender's next append that long.
      this.flushTimer?.cancel();
      this.flushTimer = null;
    }
    this.inFlight = entries;
    this.inFlightRows = rows;
    this.committer.commit(entries, this.clock.now()).then(
      (outcome) => this.finish(entries, outcome),
      (err: unknown) => this.finish(entries, { kind: 'failed', failure: { code: null, message: (err as Error).message ?? String(err) }, latencyMs: 0 }),
    );
  }

  private finish(entries: Entry[], outcome: CommitOutcome): void {
    const settledMs = this.clock.monotonicMs();
    for (const e of entries) if (e.sender !== undefined) this.lastSettledMs.set(e.sender, settledMs);
    const rows = this.inFlightRows;
    this.inFlight = null;
    this.inFlightRows = 0;
    if (outcome.kind === 'busy' && this.keepWaitingForLock()) {
      this.queue.unshift(...entries);
      this.queuedRows += rows;
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        this.flushThroughSeq = this.lastSeq;
        this.pump();
      }, this.limits.lockRetryMs);
    } else {
      this.lockWaitSinceMs = null;
      if (outcome.kind === 'busy') this.settler.fail(entries, lockHeldTooLong());
      else if (outcome.kind === 'failed') this.settler.fail(entries, fromCommitFailure(outcome.failure));
      else this.settler.succeed(entries, outcome);
    }
    this.settleIdleWaiters();
    this.pump();
    if (this.wasFull && this.hasCapacity()) {
      this.wasFull = false;
      this.emit('drain');
    }
  }

  private keepWaitingForLock(): boolean {
    const now = this.clock.monotonicMs();
    this.lockWaitSinceMs ??= now;
    return now - this.lockWaitSinceMs < this.limits.lockWaitMs;
  }

  private settleIdleWaiters(): void {
    if (this.idleWaiters.empty) return;
    this.idleWaiters.settleBefore(this.inFlight?.[0]?.seq ?? this.queue[0]?.seq ?? this.waiting[0]?.seq ?? Infinity);
  }
}
