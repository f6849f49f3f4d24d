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
 * (the cloud is one service: when one upload fails, the next would too). A batch is sent
 * by batch-upload.ts and settled by settle.ts; status() is built by uplink-status.ts.
 */
import { EventEmitter } from 'node:events';
import { sleep, systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { Outbox } from '../buffer/outbox.js';
import type { BufferStore } from '../buffer/store.js';
import type { OutboxBatch } from '../buffer/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { StatusCollector } from '../fleet/collect.js';
import { BatchUploader } from './batch-upload.js';
import { CircuitBreaker } from './breaker.js';
import { UplinkClient } from './client.js';
import { displayUrl, resolveUplinkOptions, type UplinkOptions, type UplinkSettings } from './options.js';
import { DrainProgress } from './progress.js';
import { Settler, type SettleContext } from './settle.js';
import { FleetStatusSender } from './status-sender.js';
import { UplinkSeriesDictionary } from './series-dictionary.js';
import type { Lane, UplinkEvents, UplinkLogger, UplinkStatus } from './types.js';
import { uplinkStatus } from './uplink-status.js';

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
  /** Sends one batch and hands the cloud's answer to the settler. */
  private readonly uploader: BatchUploader;
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
    this.outbox = new Outbox(deps.store, { syncOffLoop: true });
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
    this.uploader = new BatchUploader({
      options: this.options,
      clock: this.clock,
      logger: this.logger,
      client: this.client,
      outbox: this.outbox,
      breaker: this.breaker,
      settler: this.settler,
      dictionary: this.dictionary,
      fleetStatus: this.fleetStatus,
      stopping: () => this.stopping,
    });
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
    const { options, outbox, progress, breaker, settler, stopping } = this;
    return uplinkStatus({ options, outbox, progress, breaker, settler, stopping, inFlight: this.inFlight.size, nowMs: this.clock.now() });
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
    const p: Promise<void> = this.uploader.upload(batch, lane)
      .catch((err: unknown) => {
        // Settling threw (e.g. markSent on a busy or full disk) before the breaker heard the
        // outcome: give back its slot, or a half-open breaker would wait for this probe forever.
        this.breaker.release();
        // ...and no batch for a second: pump() below would otherwise try again at once,
        // and a failure that repeats (a full disk) would hold the event loop in a loop of
        // promise callbacks, with no reading acknowledged meanwhile.
        this.settler.notBeforeMs = Math.max(this.settler.notBeforeMs, this.clock.now() + TICK_MS);
        this.logger.error({ err, seq: batch.seq }, 'uplink: settling a batch failed; it stays pending');
      })
      .finally(() => {
        this.inFlight.delete(batch.seq);
        this.sends.delete(p);
        this.metrics?.uplinkInFlight.set(this.inFlight.size);
        this.pump();
      });
    this.sends.add(p);
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
