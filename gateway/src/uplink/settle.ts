/**
 * What the uplink does with each upload's outcome (README.md, "Failures"):
 *
 * - accepted (2xx, replays too): mark the batch sent; the uplink is up.
 * - retry: the batch stays pending; EVERY slot waits for the backoff (full jitter, or the
 *   cloud's Retry-After when it is longer). 429 is the cloud pacing us: it is up, so the
 *   breaker and the alarm are left alone.
 * - reject: quarantine the batch (kept locally for IT, never retried), count, log. A
 *   400 whose bytes decode fine here was damaged on the way: retried twice first. 413:
 *   new batches are made half as big. Three rejections in a row mean something systemic
 *   (a proxy, a version skew): halt rather than quarantine everything.
 * - halt (401/403, wrong URL): pause uploads, keep every reading, log an error for IT,
 *   report the uplink down (the alarm engine raises uplink-down), probe again every
 *   `haltedRetryMs`.
 */
import { decodeBatch, type Clock, type DictionaryLookup } from '@wardlink/shared';
import type { Outbox } from '../buffer/outbox.js';
import type { OutboxBatch } from '../buffer/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { fullJitterDelayMs } from './backoff.js';
import { BREAKER_STATES, type BreakerTransition, type CircuitBreaker } from './breaker.js';
import type { Accepted } from './classify.js';
import { UplinkSendError } from './errors.js';
import type { UplinkOptions } from './options.js';
import type { Lane, UplinkEvents, UplinkLastError, UplinkLogger } from './types.js';

export interface SettleContext {
  outbox: Outbox;
  breaker: CircuitBreaker;
  clock: Clock;
  logger: UplinkLogger;
  metrics: GatewayMetrics | undefined;
  options: UplinkOptions;
  emit: <K extends keyof UplinkEvents>(event: K, ...args: UplinkEvents[K]) => void;
  /** The gateway's own series dictionary, to re-check a refused batch written against it. */
  dictionaries?: DictionaryLookup;
}

/** Attempts after which a 400 is believed even though the bytes decode here. */
const TRANSIT_RETRIES = 2;
const REJECT_STREAK_HALT = 3;
const MIN_BATCH_READINGS = 100;

export class Settler {
  /** No upload starts before this time (backoff, Retry-After, halt). */
  notBeforeMs = 0;
  halted: UplinkSendError | null = null;
  up = true;
  lastSuccessMs: number | null = null;
  lastError: UplinkLastError | null = null;
  startedAtMs = 0;
  maxBatchReadings: number;
  readonly counts = { sent: 0, failed: 0, quarantined: 0, readings: 0 };
  private failures = 0;
  private rejectStreak = 0;
  private downSinceMs: number | null = null;

  constructor(
    private readonly ctx: SettleContext,
    private readonly onUplinkState?: (up: boolean, sinceMs: number) => void,
  ) {
    this.maxBatchReadings = ctx.options.maxBatchReadings;
    for (const state of BREAKER_STATES) ctx.metrics?.uplinkBreakerState.set({ state }, state === 'closed' ? 1 : 0);
    ctx.metrics?.uplinkUp.set(1);
    ctx.metrics?.uplinkHalted.set(0);
  }

  /** Each breaker transition: one log line and the state gauge. */
  breakerMoved(t: BreakerTransition): void {
    for (const state of BREAKER_STATES) this.ctx.metrics?.uplinkBreakerState.set({ state }, state === t.to ? 1 : 0);
    const fields = { from: t.from, to: t.to, failures: t.failures, ...(t.cooldownMs === undefined ? {} : { probeInMs: t.cooldownMs }), ...(t.reason ? { reason: t.reason } : {}) };
    if (t.to === 'open') this.ctx.logger.warn(fields, 'uplink circuit breaker opened: uploads paused until a probe succeeds');
    else if (t.to === 'half-open') this.ctx.logger.info(fields, 'uplink circuit breaker half-open: sending one probe batch');
    else this.ctx.logger.info(fields, 'uplink circuit breaker closed: uploads resume');
  }

  accepted(batch: OutboxBatch, lane: Lane, answer: Accepted, bytes: number, traceId: string, durationMs: number): void {
    const { outbox, breaker, clock, logger, metrics } = this.ctx;
    const now = clock.now();
    outbox.markSent(batch.seq, now);
    breaker.onSuccess();
    this.failures = 0;
    this.rejectStreak = 0;
    this.lastSuccessMs = now;
    if (this.halted) {
      logger.info({ seq: batch.seq, traceId }, 'uplink: the cloud accepts this gateway again; uploads resume');
      this.halted = null;
      this.notBeforeMs = 0;
      metrics?.uplinkHalted.set(0);
    }
    this.setUp(true, now);
    this.counts.sent += 1;
    this.counts.readings += batch.readings.length;
    const result = answer.duplicate ? 'duplicate' : 'sent';
    metrics?.uplinkBatches.inc({ result, status: String(answer.status) });
    metrics?.uplinkReadingsSent.inc(batch.readings.length);
    metrics?.uplinkBytesSent.inc(bytes);
    metrics?.uplinkRequestSeconds.observe({ result }, durationMs / 1000);
    const fields = { seq: batch.seq, lane, readings: batch.readings.length, alarms: batch.alarms.length, bytes, ms: Math.round(durationMs), traceId };
    if (answer.duplicate) logger.info(fields, 'uplink: the cloud already had this batch (a retry of one it stored); marked sent');
    else logger.debug(fields, 'uplink: batch sent');
    this.ctx.emit('sent', batch, { lane, atMs: now, bytes, durationMs, duplicate: answer.duplicate, traceId });
  }

  failed(batch: OutboxBatch, lane: Lane, failure: UplinkSendError, body: Buffer | null, traceId: string, durationMs: number): void {
    const now = this.ctx.clock.now();
    const err = this.recheck(failure, body, batch);
    this.lastError = { atMs: now, code: err.code, kind: err.kind, status: err.status, message: err.message, seq: batch.seq, traceId };
    this.counts.failed += 1;
    this.ctx.metrics?.uplinkRequestSeconds.observe({ result: err.kind }, durationMs / 1000);
    if (err.kind === 'retry') this.retry(batch, lane, err, traceId, now);
    else if (err.kind === 'reject') this.reject(batch, lane, err, traceId, now);
    else this.halt(batch, err, traceId, now);
  }

  private retry(batch: OutboxBatch, lane: Lane, err: UplinkSendError, traceId: string, now: number): void {
    const { breaker, logger, metrics, options } = this.ctx;
    const paced = err.status === 429;
    if (paced) breaker.onSuccess();
    else {
      breaker.onFailure(err.code);
      this.failures += 1;
      this.setUp(false, now);
    }
    const jitter = fullJitterDelayMs(Math.max(1, this.failures), options.backoffBaseMs, options.backoffMaxMs, options.random);
    const delayMs = err.retryAfterMs === null ? jitter : paced ? err.retryAfterMs : Math.max(err.retryAfterMs, jitter);
    this.notBeforeMs = Math.max(this.notBeforeMs, now + delayMs);
    metrics?.uplinkBatches.inc({ result: 'retry', status: err.status === null ? 'none' : String(err.status) });
    logger.warn({ seq: batch.seq, lane, code: err.code, status: err.status, attempts: batch.attempts + 1, retryInMs: delayMs, traceId }, err.message);
    this.noteAttempt(batch, err);
  }

  /** The attempt in the batch's row, for `status`, after the state above: a disk that
   * refuses the write (full, busy) must not leave the breaker and the backoff untold. */
  private noteAttempt(batch: OutboxBatch, err: UplinkSendError): void {
    try {
      this.ctx.outbox.noteAttempt(batch.seq, `${err.code}: ${err.message}`.slice(0, 500));
    } catch (e) {
      this.ctx.logger.warn({ seq: batch.seq, err: e }, 'uplink: recording the failed attempt failed');
    }
  }

  private reject(batch: OutboxBatch, lane: Lane, err: UplinkSendError, traceId: string, now: number): void {
    const { outbox, breaker, logger, metrics } = this.ctx;
    outbox.quarantine(batch.seq, `${err.code}: ${err.message}`.slice(0, 500), now);
    if (err.status !== null) {
      breaker.onSuccess(); // the cloud answered: it is up
      this.setUp(true, now);
    }
    this.counts.quarantined += 1;
    this.rejectStreak += 1;
    metrics?.uplinkBatches.inc({ result: 'quarantined', status: err.status === null ? 'none' : String(err.status) });
    logger.error({ seq: batch.seq, lane, readings: batch.readings.length, alarms: batch.alarms.length, code: err.code, status: err.status, traceId }, err.message);
    this.ctx.emit('quarantined', batch, err.code);
    if (err.status === 413 && this.maxBatchReadings > MIN_BATCH_READINGS) {
      this.maxBatchReadings = Math.max(MIN_BATCH_READINGS, Math.floor(Math.min(this.maxBatchReadings, batch.readings.length) / 2));
      logger.warn({ maxBatchReadings: this.maxBatchReadings }, 'uplink: the cloud refused a batch as too large; new batches are made smaller (lower cloud.maxBatchReadings to match the cloud)');
    }
    if (this.rejectStreak >= REJECT_STREAK_HALT) {
      const halt = new UplinkSendError('WL_UPLINK_REJECT_STREAK', 'halt', `the cloud refused ${this.rejectStreak} batches in a row (last: ${err.code}); uploads are paused rather than quarantining everything. Check the cloud's version and any proxy in between, then restart the gateway`, { status: err.status, retryAfterMs: null });
      this.halt(batch, halt, traceId, now);
    }
  }

  private halt(batch: OutboxBatch, err: UplinkSendError, traceId: string, now: number): void {
    const { breaker, logger, metrics, options } = this.ctx;
    breaker.onSuccess();
    this.notBeforeMs = now + options.haltedRetryMs;
    this.setUp(false, now);
    metrics?.uplinkBatches.inc({ result: 'halted', status: err.status === null ? 'none' : String(err.status) });
    metrics?.uplinkHalted.set(1);
    const fields = { seq: batch.seq, code: err.code, status: err.status, probeInMs: options.haltedRetryMs, traceId };
    if (this.halted === null) logger.error(fields, err.message);
    else logger.warn(fields, `uplink still refused: ${err.message}`);
    this.halted = err;
    if (err.code !== 'WL_UPLINK_REJECT_STREAK') this.noteAttempt(batch, err);
  }

  /**
   * A corrupt-batch 400 is checked against our own decoder: bytes that decode here were
   * probably damaged on the way (retried, twice at most); bytes that do not are a bug in
   * the gateway's encoder, which the message says so IT can report it.
   */
  private recheck(err: UplinkSendError, body: Buffer | null, batch: OutboxBatch): UplinkSendError {
    if (err.kind !== 'reject' || err.status !== 400 || !err.code.startsWith('WL_CODEC_') || body === null) return err;
    let local: unknown = null;
    try {
      decodeBatch(body, undefined, { dictionaries: this.ctx.dictionaries });
    } catch (e) {
      local = e;
    }
    if (local === null) {
      if (batch.attempts >= TRANSIT_RETRIES) return err;
      return new UplinkSendError(err.code, 'retry', `${err.message} (but the batch decodes here, so it was probably damaged in transit: retrying it)`, { status: err.status, retryAfterMs: null }, { cause: err });
    }
    const code = (local as { code?: string }).code ?? 'error';
    return new UplinkSendError(err.code, 'reject', `${err.message}. The gateway's own decoder refuses it too (${code}): a bug in the gateway's batch encoder; report it with this batch's seq`, { status: err.status, retryAfterMs: null }, { cause: local });
  }

  private setUp(up: boolean, now: number): void {
    if (up === this.up) return;
    this.up = up;
    this.ctx.metrics?.uplinkUp.set(up ? 1 : 0);
    const since = up ? now : (this.lastSuccessMs ?? this.startedAtMs);
    if (up) this.ctx.logger.info({ downForS: Math.round((now - (this.downSinceMs ?? now)) / 1000) }, 'uplink is up again');
    else this.ctx.logger.warn({ lastSuccessAtMs: this.lastSuccessMs }, 'uplink is down; readings and alarms stay in the local buffer');
    this.downSinceMs = up ? null : now;
    this.onUplinkState?.(up, since);
  }
}
