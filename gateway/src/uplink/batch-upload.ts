/**
 * Uploads one batch and hands the cloud's answer to the settler (settle.ts). It also
 * handles the answers that are repaired here rather than settled: a series dictionary the
 * cloud lacks or contradicts (the batch is sent again at once with its entries inline) and
 * a seq the cloud already holds under another batch (the batch is renumbered). Kept apart
 * from uplink.ts, which decides when and in which lane a batch is sent.
 */
import { encodeBatch, type Clock } from '@wardlink/shared';
import type { Outbox } from '../buffer/outbox.js';
import type { OutboxBatch } from '../buffer/types.js';
import type { CircuitBreaker } from './breaker.js';
import type { UplinkClient } from './client.js';
import { UplinkSendError } from './errors.js';
import type { UplinkOptions } from './options.js';
import type { Settler } from './settle.js';
import type { FleetStatusSender } from './status-sender.js';
import type { DictionaryUse, UplinkSeriesDictionary } from './series-dictionary.js';
import { newTrace } from './trace.js';
import type { Lane, UplinkLogger } from './types.js';

/** The cloud's answer to a batch using dictionary entries it does not hold (409). */
const DICTIONARY_UNKNOWN = 'WL_DICTIONARY_UNKNOWN';
/** The cloud's answer to a batch whose inline entries contradict those it holds under the same numbers (409). */
const DICTIONARY_CONFLICT = 'WL_DICTIONARY_CONFLICT';
/** The cloud holds another batch under this seq (this buffer lost its last commits) (409). */
const SEQ_REUSED = 'WL_API_BATCH_SEQ_REUSED';

export interface BatchUploadParts {
  options: UplinkOptions;
  clock: Clock;
  logger: UplinkLogger;
  client: UplinkClient;
  outbox: Outbox;
  breaker: CircuitBreaker;
  settler: Settler;
  dictionary: UplinkSeriesDictionary | null;
  fleetStatus: FleetStatusSender | null;
  /** True once the uplink is stopping: an aborted send is then no failure, and nothing is sent again. */
  stopping: () => boolean;
}

export class BatchUploader {
  constructor(private readonly u: BatchUploadParts) {}

  async upload(batch: OutboxBatch, lane: Lane): Promise<void> {
    const { clock, logger, client, outbox, breaker, settler, dictionary } = this.u;
    const trace = newTrace();
    // Nothing of a batch leaves before its transaction is on disk (buffer/wal-sync.ts). A
    // failed fsync is final until a restart: the batch stays pending and the uplink halts
    // (down, not blaming the cloud; it looks again every haltedRetryMs).
    try {
      await outbox.durable();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      settler.failed(batch, lane, new UplinkSendError(e.code ?? 'WL_BUFFER_FSYNC_FAILED', 'halt', e.message ?? String(err), { status: null, retryAfterMs: null }, { cause: err }), null, trace.traceId, 0);
      return;
    }
    // stop() came during the fsync: the batch stays pending for the next start.
    if (this.u.stopping()) return;
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
        settler.failed(batch, lane, failure, null, trace.traceId, 0);
        return;
      }
      const failure = new UplinkSendError('WL_UPLINK_ENCODE', 'reject', `batch ${batch.seq} cannot be encoded (${e.code ?? 'error'}: ${e.message ?? err}); it is quarantined for IT`, { status: null, retryAfterMs: null }, { cause: err });
      settler.failed(batch, lane, failure, null, trace.traceId, 0);
      return;
    }
    const started = clock.monotonicMs();
    let outcome = await client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    if (use !== null && outcome.kind !== 'accepted' && outcome.code === DICTIONARY_UNKNOWN && !this.u.stopping()) {
      // The cloud lacks entries it was believed to hold (its database was restored, or it
      // is new): believe nothing, and send the batch again at once with all its entries.
      logger.warn({ seq: batch.seq, confirmedEntries: dictionary!.confirmedCount, traceId: trace.traceId }, 'uplink: the cloud lacks series dictionary entries; sending the batch again with its entries inline');
      dictionary!.forgetConfirmations();
      ({ body, use } = this.encode(batch, true));
      outcome = await client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    } else if (use !== null && outcome.kind !== 'accepted' && outcome.code === DICTIONARY_CONFLICT && !this.u.stopping()) {
      // The cloud holds another series under a number this dictionary gave out: this buffer
      // lost entries it had sent (a power cut rolled back its last commits, or it was
      // restored from a copy). Never reuse the numbers: start a new dictionary and send again.
      logger.warn({ seq: batch.seq, dictionaryId: dictionary!.dictionary.id, traceId: trace.traceId }, 'uplink: the cloud holds other series under numbers of this series dictionary; starting a new dictionary and sending the batch again');
      dictionary!.startOver();
      ({ body, use } = this.encode(batch, true));
      outcome = await client.send({ body, idempotencyKey: `${batch.gatewayId}:${batch.seq}`, traceparent: trace.traceparent });
    }
    // Only for the dictionary it was encoded with: another may have been started meanwhile.
    if (use !== null && outcome.kind === 'accepted' && use.encoding.dictionary.id === dictionary?.dictionary.id) dictionary.confirm(use.inline);
    if (outcome.kind !== 'accepted' && outcome.code === SEQ_REUSED && !this.u.stopping()) {
      const highest = typeof outcome.detail.highestSeq === 'number' ? outcome.detail.highestSeq : batch.seq;
      const renumbered = outbox.renumber(batch.seq, highest);
      // The cloud answered: it is up. This also ends a half-open breaker's probe, which
      // would otherwise stay out and refuse every later send.
      breaker.onSuccess();
      outbox.noteAttempt(renumbered, `${SEQ_REUSED}: renumbered from ${batch.seq}`);
      logger.warn({ seq: batch.seq, renumbered, cloudHighestSeq: highest, traceId: trace.traceId }, 'uplink: the cloud holds another batch under this sequence number (this buffer lost its last commits); the batch is renumbered and sent again');
      return;
    }
    const durationMs = clock.monotonicMs() - started;
    if (this.u.stopping() && outcome.kind !== 'accepted' && outcome.code === 'WL_UPLINK_ABORTED') {
      outbox.noteAttempt(batch.seq, 'aborted: the gateway was stopping');
      return;
    }
    if (outcome.kind === 'accepted') this.u.fleetStatus?.noteUpload();
    if (outcome.kind === 'accepted') settler.accepted(batch, lane, outcome, body.length, trace.traceId, durationMs);
    else settler.failed(batch, lane, outcome, body, trace.traceId, durationMs);
  }

  /** The batch's bytes: against the series dictionary when there is one, with the
   * entries the cloud may lack (or all of them) inline. */
  private encode(batch: OutboxBatch, allInline: boolean): { body: Buffer; use: DictionaryUse | null } {
    const use = this.u.dictionary?.prepare(batch, allInline) ?? null;
    const body = encodeBatch(batch, use === null ? this.u.options.compression : { ...this.u.options.compression, dictionary: use.encoding });
    return { body, use };
  }
}
