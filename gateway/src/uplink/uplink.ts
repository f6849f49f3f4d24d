/**
 * The uplink: takes batches from the outbox, uploads them, and settles each one by the
 * cloud's answer. See README.md for the ordering policy and the failure table.
 *
 *   const uplink = new Uplink(settings, { store, logger, clock, metrics, onUplinkState });
 *   uplink.start();  ...  uplink.status();  ...  await uplink.stop();
 *
 * One loop (`pump`) fills the free slots: first a live batch (the newest unsent readings)
 * when none is in flight, then backfill batches (the oldest). The outbox hands out a
 * pending batch (built before a failure or a restart) before it builds a new one, so a
 * retried batch keeps its seq and content. A failure pauses every slot for the backoff
 * (the cloud is one service: when one upload fails, the next would too).
 */
import { EventEmitter } from 'node:events';
import { encodeBatch, sleep, systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { Outbox, type Backlog } from '../buffer/outbox.js';
import type { BufferStore } from '../buffer/store.js';
import type { OutboxBatch } from '../buffer/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { StatusCollector } from '../fleet/collect.js';
import { CircuitBreaker } from './breaker.js';
import { UplinkClient } from './client.js';
import { UplinkSendError } from './errors.js';
import { displayUrl, resolveUplinkOptions, type UplinkOptions, type UplinkSettings } from './options.js';
import { DrainProgress } from './progress.js';
import { Settler, type SettleContext } from './settle.js';
import { FleetStatusSender } from './status-sender.js';
import { UplinkSeriesDictionary, type DictionaryUse } from './series-dictionary.js';
import { newTrace } from './trace.js';
import type { Lane, UplinkEvents, UplinkLogger, UplinkStatus } from './types.js';

export interface UplinkDeps {
  store: BufferStore;
  logger: UplinkLogger;
  clock?: Clock;
  metrics?: GatewayMetrics;
  /** The alarm engine's `onUplinkState`: down from the first failed upload (since the last
   * success), up again at the next success. */
  onUplinkState?: (up: boolean, sinceMs: number) => void;
  /** Sends the gateway's status to the cloud's fleet view (status-sender.ts); without it
   * no status is sent (tests of the batch path). */
  fleet?: { gatewayId: string; alarmsActive?: () => number };
  /** Write batches against the series dictionary kept in the store (series-dictionary.ts).
   * Default true; it is used only when the database has the dictionary's tables. */
  seriesDictionary?: boolean;
}

const TICK_MS = 1000;
/** The cloud's answer to a batch using dictionary entries it does not hold (409). */
const DICTIONARY_UNKNOWN = 'WL_DICTIONARY_UNKNOWN';
/** The cloud's answer to a batch whose inline entries contradict those it holds under the same numbers (409). */
const DICTIONARY_CONFLICT = 'WL_DICTIONARY_CONFLICT';
/** The cloud holds another batch under this seq (this buffer lost its last commits) (409). */
const SEQ_REUSED = 'WL_API_BATCH_SEQ_REUSED';
const PROGRESS_WINDOW_MS = 30_000;
/** With commit notifications (notifyCommitted), how long an idle uplink waits before it
 * looks at the outbox again anyway: for batches made pending by another process (the CLI's
 * quarantine resend). Without notifications it looks every pollIntervalMs, as it must. */
const IDLE_LOOK_MS = 5_000;

export class Uplink extends EventEmitter<UplinkEvents> {
  readonly options: UplinkOptions;
  private readonly outbox: Outbox;
  private readonly client: UplinkClient;
  private readonly breaker: CircuitBreaker;
  private readonly progress: DrainProgress;
  private readonly settler: Settler;
  private readonly clock: Clock;
  private readonly logger: UplinkLogger;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly inFlight = new Map<number, Lane>();
  private readonly sends = new Set<Promise<void>>();
  private wake: TimerHandle | null = null;
  private wakeAtMs = Infinity;
  private ticker: TimerHandle | null = null;
  /** True once the buffer's writer reports its commits (notifyCommitted): an empty outbox
   * then stays unread until something is committed, instead of being polled. */
  private notified = false;
  /** Something was committed since the outbox was last found with nothing to send. */
  private committedSinceLook = false;
  private started = false;
  private stopping = false;
  /** The fleet status sender; null without `deps.fleet`. */
  readonly fleetStatus: FleetStatusSender | null;
  /** The series dictionary batches are written against; null when not in use. */
  readonly dictionary: UplinkSeriesDictionary | null;

  constructor(settings: UplinkSettings, deps: UplinkDeps) {
    super();
    this.options = resolveUplinkOptions(settings);
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.outbox = new Outbox(deps.store);
    this.dictionary = deps.seriesDictionary === false ? null : UplinkSeriesDictionary.open(deps.store.db);
    this.client = new UplinkClient(this.options, () => this.clock.now());
    this.breaker = new CircuitBreaker({
      failureThreshold: this.options.breakerFailureThreshold,
      openMs: this.options.breakerOpenMs,
      maxOpenMs: Math.max(this.options.breakerOpenMs, this.options.backoffMaxMs),
      clock: this.clock,
      onTransition: (t) => {
        this.settler.breakerMoved(t);
        this.emit('breaker', t.to);
      },
    });
    this.progress = new DrainProgress({
      windowMs: PROGRESS_WINDOW_MS,
      logIntervalMs: this.options.progressLogIntervalMs,
      drainingAboveReadings: this.options.maxBatchReadings,
      logger: this.logger,
    });
    const ctx: SettleContext = {
      outbox: this.outbox,
      breaker: this.breaker,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      options: this.options,
      emit: (event, ...args) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      dictionaries: (id) => this.dictionary?.byId(id),
    };
    this.settler = new Settler(ctx, deps.onUplinkState);
    this.fleetStatus = deps.fleet
      ? new FleetStatusSender(this.options, new StatusCollector({ ...deps.fleet, db: deps.store.db, metrics: this.metrics, uplink: () => this.status() }), { clock: this.clock, logger: this.logger, metrics: this.metrics })
      : null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.settler.startedAtMs = this.clock.now();
    const pending = this.outbox.pendingSeqs();
    this.logger.info(
      { url: displayUrl(this.options.url), concurrency: this.options.concurrency, maxBatchReadings: this.options.maxBatchReadings, maxBatchAgeMs: this.options.maxBatchAgeMs, pendingBatches: pending.length },
      pending.length > 0 ? 'uplink started; resending the batches pending from before the restart first' : 'uplink started',
    );
    this.ticker = this.clock.setInterval(() => this.refresh(), TICK_MS).unref();
    this.refresh();
    this.pump();
    this.fleetStatus?.start();
  }

  /** Wakes the loop now (e.g. an alarm event was just written). */
  kick(): void {
    if (this.started && !this.stopping) this.pump();
  }

  /**
   * The buffer committed `readings` and `alarms` (the writer's onCommit). An alarm event
   * goes out at once instead of at the next look; readings wake the loop within
   * pollIntervalMs (a batch waits for maxBatchAgeMs anyway). An uplink told of commits
   * stops polling an empty outbox: idle, a gateway reads it every IDLE_LOOK_MS, not 5
   * times a second.
   */
  notifyCommitted(readings: number, alarms: number): void {
    if (readings === 0 && alarms === 0) return;
    this.notified = true;
    this.committedSinceLook = true;
    if (!this.started || this.stopping) return;
    this.wakeAt(alarms > 0 ? this.clock.now() : this.clock.now() + this.options.pollIntervalMs);
  }

  /** Stops taking batches, lets uploads in flight finish for `stopGraceMs`, then aborts the
   * rest (they stay pending and go first after the restart). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake?.cancel();
    this.ticker?.cancel();
    const fleetStopped = this.fleetStatus?.stop();
    if (this.sends.size > 0 && this.options.stopGraceMs > 0) {
      await Promise.race([Promise.allSettled([...this.sends]), sleep(this.options.stopGraceMs, this.clock)]);
    }
    await this.client.destroy().catch(() => undefined);
    await Promise.allSettled([...this.sends]);
    await fleetStopped;
    this.logger.info({ batchesSent: this.settler.counts.sent, readingsSent: this.settler.counts.readings }, 'uplink stopped');
  }

  status(): UplinkStatus {
    const now = this.clock.now();
    const s = this.progress.snapshot;
    // The backlog now (a few indexed lookups), not the last once-a-second sample.
    let backlog: Backlog = { readings: s.backlogReadings, alarms: s.backlogAlarms, oldestMs: s.oldestUnsentMs };
    try {
      backlog = this.outbox.backlog();
    } catch {
      // the database is closing: the sample will do
    }
    const estimate = this.progress.estimate(backlog.readings);
    const breaker = this.breaker.state;
    const next = Math.max(this.settler.notBeforeMs, this.breaker.retryAtMs() ?? 0);
    const backingOff = next > now;
    return {
      url: displayUrl(this.options.url),
      activity: this.stopping ? 'stopped' : this.settler.halted ? 'halted' : backingOff ? 'backing-off' : this.inFlight.size > 0 ? 'sending' : 'idle',
      up: this.settler.up,
      breaker,
      inFlight: this.inFlight.size,
      backlogReadings: backlog.readings,
      backlogAlarms: backlog.alarms,
      oldestUnsentAgeS: backlog.oldestMs === null ? null : Math.max(0, Math.round((now - backlog.oldestMs) / 1000)),
      sentReadingsPerS: s.sentReadingsPerS,
      netDrainReadingsPerS: s.netDrainReadingsPerS,
      etaS: estimate.etaS,
      draining: estimate.draining,
      lastSuccessAtMs: this.settler.lastSuccessMs,
      nextAttemptAtMs: backingOff ? next : null,
      lastError: this.settler.lastError,
      batchesSent: this.settler.counts.sent,
      batchesFailed: this.settler.counts.failed,
      batchesQuarantined: this.settler.counts.quarantined,
      readingsSent: this.settler.counts.readings,
      maxBatchReadings: this.settler.maxBatchReadings,
    };
  }

  /** Fills the free slots; wakes itself when there is nothing to do yet. */
  private pump(): void {
    if (this.stopping || !this.started) return;
    const now = this.clock.now();
    if (now < this.settler.notBeforeMs) return this.wakeAt(this.settler.notBeforeMs);
    for (;;) {
      const slots = this.breaker.state === 'half-open' ? 1 : this.options.concurrency;
      if (this.inFlight.size >= slots) return;
      if (!this.breaker.tryAcquire()) return this.wakeAt(this.breaker.retryAtMs() ?? now + this.options.pollIntervalMs);
      const lane: Lane = [...this.inFlight.values()].includes('live') ? 'backfill' : 'live';
      let batch: OutboxBatch | null;
      const committedBefore = this.committedSinceLook;
      this.committedSinceLook = false;
      try {
        batch = this.outbox.nextBatch({
          maxReadings: this.settler.maxBatchReadings,
          maxAgeMs: this.options.maxBatchAgeMs,
          order: lane === 'live' ? 'newest' : 'oldest',
          inFlight: this.inFlight.keys(),
          nowMs: now,
        });
      } catch (err) {
        this.breaker.release();
        this.logger.error({ err }, 'uplink: reading the outbox failed; trying again in a second');
        return this.wakeAt(now + TICK_MS);
      }
      if (!batch) {
        this.breaker.release();
        // Readings too young for a batch come back within pollIntervalMs; an empty outbox
        // waits for the next commit's notification (or IDLE_LOOK_MS).
        return this.wakeAt(now + (this.idle(committedBefore) ? IDLE_LOOK_MS : this.options.pollIntervalMs));
      }
      this.launch(batch, lane);
    }
  }

  /** Nothing waits to be sent and nothing is coming that a notification will not announce.
   * Under load a commit came since the last look, so the backlog is read only when quiet. */
  private idle(committedBefore: boolean): boolean {
    if (!this.notified || committedBefore || this.committedSinceLook) return false;
    try {
      // The oldest unsent item, found by SQL: the readings count is this process's running
      // tally, which another process's writes (the CLI's quarantine resend) leave behind.
      return this.outbox.backlog().oldestMs === null;
    } catch {
      return false; // the database is closing: keep looking as before
    }
  }

  private launch(batch: OutboxBatch, lane: Lane): void {
    this.inFlight.set(batch.seq, lane);
    this.metrics?.uplinkInFlight.set(this.inFlight.size);
    const p: Promise<void> = this.upload(batch, lane)
      .catch((err: unknown) => this.logger.error({ err, seq: batch.seq }, 'uplink: settling a batch failed; it stays pending'))
      .finally(() => {
        this.inFlight.delete(batch.seq);
        this.sends.delete(p);
        this.metrics?.uplinkInFlight.set(this.inFlight.size);
        this.pump();
      });
    this.sends.add(p);
  }

  private async upload(batch: OutboxBatch, lane: Lane): Promise<void> {
    const trace = newTrace();
    let body: Buffer;
    let use: DictionaryUse | null = null;
    try {
      ({ body, use } = this.encode(batch, false));
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) {
        // Numbering a new series failed to reach the disk (full, I/O error, busy): nothing
        // is wrong with the batch, so it stays pending and is tried again with backoff.
        const failure = new UplinkSendError('WL_UPLINK_DICTIONARY_WRITE', 'retry', `batch ${batch.seq} could not be prepared: storing its new series dictionary entries failed (${e.code}: ${e.message ?? err}); it stays buffered and is retried`, { status: null, retryAfterMs: null }, { cause: err });
        this.settler.failed(batch, lane, failure, null, trace.traceId, 0);
        return;
      }
      const failure = new UplinkSendError('WL_UPLINK_ENCODE', 'reject', `batch ${batch.seq} cannot be encoded (${e.code ?? 'error'}: ${e.message ?? err}); it is quarantined for IT`, { status: null, retryAfterMs: null }, { cause: err });
      this.settler.failed(batch, lane, failure, null, trace.traceId, 0);
      return;
    }
    const started = this.clock.monotonicMs();
    let outcome = await this.client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    if (use !== null && outcome.kind !== 'accepted' && outcome.code === DICTIONARY_UNKNOWN && !this.stopping) {
      // The cloud lacks entries it was believed to hold (its database was restored, or it
      // is new): believe nothing, and send the batch again at once with all its entries.
      this.logger.warn({ seq: batch.seq, confirmedEntries: this.dictionary!.confirmedCount, traceId: trace.traceId }, 'uplink: the cloud lacks series dictionary entries; sending the batch again with its entries inline');
      this.dictionary!.forgetConfirmations();
      ({ body, use } = this.encode(batch, true));
      outcome = await this.client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    } else if (use !== null && outcome.kind !== 'accepted' && outcome.code === DICTIONARY_CONFLICT && !this.stopping) {
      // The cloud holds another series under a number this dictionary gave out: this buffer
      // lost entries it had sent (a power cut rolled back its last commits, or it was
      // restored from a copy). Never reuse the numbers: start a new dictionary and send again.
      this.logger.warn({ seq: batch.seq, dictionaryId: this.dictionary!.dictionary.id, traceId: trace.traceId }, 'uplink: the cloud holds other series under numbers of this series dictionary; starting a new dictionary and sending the batch again');
      this.dictionary!.startOver();
      ({ body, use } = this.encode(batch, true));
      outcome = await this.client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    }
    // Only for the dictionary it was encoded with: another may have been started meanwhile.
    if (use !== null && outcome.kind === 'accepted' && use.encoding.dictionary.id === this.dictionary?.dictionary.id) this.dictionary.confirm(use.inline);
    if (outcome.kind !== 'accepted' && outcome.code === SEQ_REUSED && !this.stopping) {
      const highest = typeof outcome.detail.highestSeq === 'number' ? outcome.detail.highestSeq : batch.seq;
      const renumbered = this.outbox.renumber(batch.seq, highest);
      // The cloud answered: it is up. This also ends a half-open breaker's probe, which
      // would otherwise stay out and refuse every later send.
      this.breaker.onSuccess();
      this.outbox.noteAttempt(renumbered, `${SEQ_REUSED}: renumbered from ${batch.seq}`);
      this.logger.warn({ seq: batch.seq, renumbered, cloudHighestSeq: highest, traceId: trace.traceId }, 'uplink: the cloud holds another batch under this sequence number (this buffer lost its last commits); the batch is renumbered and sent again');
      return;
    }
    const durationMs = this.clock.monotonicMs() - started;
    if (this.stopping && outcome.kind !== 'accepted' && outcome.code === 'WL_UPLINK_ABORTED') {
      this.outbox.noteAttempt(batch.seq, 'aborted: the gateway was stopping');
      return;
    }
    if (outcome.kind === 'accepted') this.fleetStatus?.noteUpload();
    if (outcome.kind === 'accepted') this.settler.accepted(batch, lane, outcome, body.length, trace.traceId, durationMs);
    else this.settler.failed(batch, lane, outcome, body, trace.traceId, durationMs);
  }

  /** The batch's bytes: against the series dictionary when there is one, with the
   * entries the cloud may lack (or all of them) inline. */
  private encode(batch: OutboxBatch, allInline: boolean): { body: Buffer; use: DictionaryUse | null } {
    const use = this.dictionary?.prepare(batch, allInline) ?? null;
    const body = encodeBatch(batch, use === null ? this.options.compression : { ...this.options.compression, dictionary: use.encoding });
    return { body, use };
  }

  private wakeAt(atMs: number): void {
    if (this.wake && this.wakeAtMs <= atMs) return;
    this.wake?.cancel();
    this.wakeAtMs = atMs;
    this.wake = this.clock
      .setTimeout(() => {
        this.wake = null;
        this.wakeAtMs = Infinity;
        this.pump();
      }, atMs - this.clock.now())
      .unref();
  }

  private refresh(): void {
    try {
      const s = this.progress.update(this.outbox.backlog(), this.settler.counts.readings, this.clock.now());
      this.metrics?.uplinkBacklogReadings.set(s.backlogReadings);
      this.metrics?.uplinkDrainEta.set(s.etaS ?? -1);
    } catch (err) {
      this.logger.warn({ err }, 'uplink: reading the backlog failed');
    }
    // The breaker's open -> half-open happens on read; reading it here logs it on time.
    void this.breaker.state;
  }
}
