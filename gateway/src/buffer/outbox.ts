/**
 * The outbox: what the uplink reads to build batches, and how it settles them.
 *
 * - A batch is built in ONE transaction: its seq is taken from `meta.next_batch_seq` and
 *   its id range recorded (outbox-spans.ts: rows are never rewritten to mark them). From then on it has that seq and that content until it
 *   is settled (sent, quarantined, or evicted under the byte cap), across restarts: the
 *   cloud's exactly-once ledger keys on (gatewayId, seq).
 * - `nextBatch` returns the oldest pending batch first (one the uplink built but did not
 *   get acknowledged, e.g. before a crash), skipping those the caller has in flight.
 *   Only when none is left does it build a new one: every unbatched alarm event first (up
 *   to maxAlarms), then readings. `order: 'newest'` takes the newest unbatched readings
 *   (live data after an outage), `'oldest'` the oldest (the backlog).
 * - Seqs are unique and assigned in increasing order of BUILDING. They are not sent in
 *   order (live batches overtake the backlog, several are in flight), and a batch given
 *   up under the byte cap leaves a gap: the cloud must not expect them contiguous.
 */
import { BufferOptionError, UnknownBatchError } from '@wardlink/shared';
import { countUnsentAlarms, oldestUnsentMs } from './backlog.js';
import { outboxSpans, type OutboxSpans } from './outbox-spans.js';
import { RecordTaker } from './outbox-take.js';
import { ALARM_COLUMNS, RECORD_COLUMNS, toAlarmEvent, unpackRecord, type AlarmRow, type RecordRow } from './rows.js';
import type { BufferStore } from './store.js';
import type { BatchOrder, BatchState, OutboxBatch } from './types.js';
import type { WalSync } from './wal-sync.js';

export interface NextBatchOptions {
  /** Most readings in one batch. */
  maxReadings: number;
  /** Most alarm events in one batch. Default: all of them (up to 100,000). */
  maxAlarms?: number;
  /** Build a batch that is not full (and has no alarm) only once its oldest reading is this old. */
  maxAgeMs?: number;
  /** Which unbatched readings a NEW batch takes. Default 'oldest'. */
  order?: BatchOrder;
  /** Pending seqs the caller is already sending; they are not returned again. */
  inFlight?: Iterable<number>;
  nowMs?: number;
}

export interface Backlog {
  readings: number;
  alarms: number;
  /** Time (UTC ms) of the oldest unsent item, or null when nothing waits. */
  oldestMs: number | null;
}

export interface QuarantinedBatch {
  seq: number;
  createdAtMs: number;
  readings: number;
  alarms: number;
  reason: string | null;
  quarantinedAtMs: number | null;
}

interface BatchRow {
  seq: number;
  gateway_id: string;
  created_at_ms: number;
  order_kind: BatchOrder;
  first_reading_id: number | null;
  last_reading_id: number | null;
  reading_count: number;
  alarm_count: number;
  state: BatchState;
  attempts: number;
}

export interface OutboxOptions {
  /**
   * Commit the transactions that hand out seqs as any other (NORMAL) and make them durable
   * with an fsync off the event loop, which the sender awaits (`durable()`) before a batch
   * leaves (the store's WalSync, wal-sync.ts). Without it (an Outbox a CLI command makes
   * to list or show batches) they commit with synchronous = FULL.
   */
  syncOffLoop?: boolean;
}

export class Outbox {
  private readonly s;
  private readonly taker: RecordTaker;
  private readonly spans: OutboxSpans;
  private readonly walSync: WalSync | undefined;

  constructor(
    private readonly store: BufferStore,
    opts: OutboxOptions = {},
  ) {
    // A buffer in `full` durability commits everything with an fsync already.
    this.walSync = store.durability === 'full' || opts.syncOffLoop !== true ? undefined : store.walSync;
    const db = store.db;
    this.spans = outboxSpans(db);
    this.taker = new RecordTaker(db, this.spans);
    this.s = {
      pendingSeqs: db.prepare("SELECT seq FROM outbox_batches WHERE state = 'pending' ORDER BY seq").pluck(),
      pendingCount: db.prepare("SELECT count(*) FROM outbox_batches WHERE state = 'pending'").pluck(),
      batch: db.prepare('SELECT * FROM outbox_batches WHERE seq = ?'),
      // batch_seq is set only on rows batched before buffer-003 (outbox-spans.ts).
      batchRecords: db
        .prepare(`SELECT ${RECORD_COLUMNS} FROM reading_records WHERE id BETWEEN ? AND ? AND (batch_seq IS NULL OR batch_seq = ?) ORDER BY id`)
        .raw(),
      batchAlarms: db.prepare(`SELECT ${ALARM_COLUMNS} FROM alarm_events WHERE batch_seq = ? ORDER BY time_ms, id`).raw(),
      unbatchedAlarms: db.prepare(`SELECT ${ALARM_COLUMNS} FROM alarm_events WHERE batch_seq IS NULL ORDER BY time_ms, id LIMIT ?`).raw(),
      insertBatch: db.prepare(
        `INSERT INTO outbox_batches (seq, gateway_id, created_at_ms, order_kind, first_reading_id, last_reading_id, reading_count, alarm_count, oldest_item_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      assignAlarm: db.prepare('UPDATE alarm_events SET batch_seq = ? WHERE id = ? AND batch_seq IS NULL'),
      sentAlarms: db.prepare('UPDATE alarm_events SET uploaded_at_ms = ? WHERE batch_seq = ?'),
      settle: db.prepare('UPDATE outbox_batches SET state = ?, settled_at_ms = ?, last_error = coalesce(?, last_error) WHERE seq = ?'),
      attempt: db.prepare('UPDATE outbox_batches SET attempts = attempts + 1, last_error = ? WHERE seq = ?'),
      renumberBatch: db.prepare("UPDATE outbox_batches SET seq = ? WHERE seq = ? AND state = 'pending'"),
      renumberAlarms: db.prepare('UPDATE alarm_events SET batch_seq = ? WHERE batch_seq = ?'),
      // Rows stamped before buffer-003 (a legacy batch's rows carry its seq).
      renumberLegacyRows: db.prepare('UPDATE reading_records SET batch_seq = ? WHERE id BETWEEN ? AND ? AND batch_seq = ?'),
      quarantined: db.prepare(
        "SELECT seq, created_at_ms, reading_count, alarm_count, last_error, settled_at_ms FROM outbox_batches WHERE state = 'quarantined' ORDER BY seq",
      ),
    };
  }

  /** The oldest pending batch not in flight, else a new batch, else null (nothing to send yet). */
  nextBatch(opts: NextBatchOptions): OutboxBatch | null {
    const inFlight = new Set(opts.inFlight ?? []);
    for (const seq of this.s.pendingSeqs.all() as number[]) {
      if (!inFlight.has(seq)) return this.loadBatch(seq);
    }
    return this.build(opts);
  }

  /** Pending seqs, oldest first (what a restarted uplink has to send before anything new). */
  pendingSeqs(): number[] {
    return this.s.pendingSeqs.all() as number[];
  }

  pendingCount(): number {
    return this.s.pendingCount.get() as number;
  }

  /** Resolves once every batch built (or renumbered) so far is on disk: await it before
   * sending one. Rejects when the fsync fails; the batch then stays pending. */
  durable(): Promise<void> {
    return this.walSync?.durable() ?? Promise.resolve();
  }

  /** A batch's content as it was built (readings of a sent batch may since have been pruned). */
  loadBatch(seq: number): OutboxBatch {
    const row = this.s.batch.get(seq) as BatchRow | undefined;
    if (!row) throw new UnknownBatchError(seq);
    const readings =
      row.first_reading_id === null
        ? []
        : (this.s.batchRecords.all(row.first_reading_id, row.last_reading_id, seq) as RecordRow[]).flatMap((r) => unpackRecord(r, row.gateway_id));
    const alarms = (this.s.batchAlarms.all(seq) as AlarmRow[]).map(toAlarmEvent);
    if (row.state === 'pending' && readings.length !== row.reading_count) {
      this.store.logger.error({ seq, expected: row.reading_count, found: readings.length }, 'outbox batch lost readings; sending what is left');
    }
    return { gatewayId: row.gateway_id, seq, createdAtMs: row.created_at_ms, order: row.order_kind, attempts: row.attempts, alarms, readings };
  }

  /** The cloud acknowledged the batch (2xx). Returns false when it was no longer pending. */
  markSent(seq: number, nowMs: number = this.store.clock.now()): boolean {
    // Readings are not touched: 'uploaded' is their batch's state (outbox-spans.ts).
    const settled = this.settle(seq, 'sent', nowMs, null, () => this.s.sentAlarms.run(nowMs, seq));
    return settled !== null;
  }

  /**
   * The cloud refused the batch for good (e.g. 400, a corrupt batch): it is set aside, its
   * content kept for IT, and never sent again. Returns false when it was no longer pending.
   */
  quarantine(seq: number, reason: string, nowMs: number = this.store.clock.now()): boolean {
    const settled = this.settle(seq, 'quarantined', nowMs, reason, () => {});
    if (settled) this.store.logger.warn({ seq, readings: settled.reading_count, alarms: settled.alarm_count, reason }, 'outbox batch quarantined');
    return settled !== null;
  }

  /** Records one failed send attempt (shown by status; the batch stays pending). */
  noteAttempt(seq: number, error: string | null): void {
    if (this.s.attempt.run(error, seq).changes === 0) throw new UnknownBatchError(seq);
  }

  backlog(): Backlog {
    return { readings: this.store.tally.readings, alarms: countUnsentAlarms(this.store.db), oldestMs: oldestUnsentMs(this.store.db) };
  }

  quarantinedBatches(): QuarantinedBatch[] {
    return (this.s.quarantined.all() as Record<string, number | string | null>[]).map((r) => ({
      seq: r.seq as number,
      createdAtMs: r.created_at_ms as number,
      readings: r.reading_count as number,
      alarms: r.alarm_count as number,
      reason: r.last_error as string | null,
      quarantinedAtMs: r.settled_at_ms as number | null,
    }));
  }

  private settle(seq: number, state: BatchState, nowMs: number, reason: string | null, apply: (row: BatchRow) => void): BatchRow | null {
    const row = this.store.db.transaction((): BatchRow | null => {
      const current = this.s.batch.get(seq) as BatchRow | undefined;
      if (!current) throw new UnknownBatchError(seq);
      if (current.state !== 'pending') {
        if (current.state !== state) this.store.logger.warn({ seq, state: current.state, wanted: state }, 'outbox batch already settled; ignored');
        return null;
      }
      apply(current);
      this.s.settle.run(state, nowMs, reason, seq);
      return current;
    }).immediate();
    if (row) this.store.tally.remove(row.reading_count);
    return row;
  }

  private build(opts: NextBatchOptions): OutboxBatch | null {
    const maxReadings = checkCount('maxReadings', opts.maxReadings, 0);
    const maxAlarms = checkCount('maxAlarms', opts.maxAlarms ?? 100_000, 0);
    const order = opts.order ?? 'oldest';
    if (order !== 'oldest' && order !== 'newest') throw new BufferOptionError('order', 'must be "oldest" or "newest"', order);
    const nowMs = opts.nowMs ?? this.store.clock.now();
    const gatewayId = this.store.gatewayId();
    if (gatewayId === null) throw new BufferOptionError('gatewayId', 'must be given to openBufferStore before the outbox builds batches');

    // The uplink looks every 200 ms, and most looks find only readings too young for a
    // batch. Those are answered by plain reads first: a write transaction (BEGIN
    // IMMEDIATE, which the commit thread's commits then wait for) with its synchronous
    // pragmas twice is taken only when a batch is likely to be built. The answer is
    // checked again inside the transaction; one that is stale by then only delays.
    if (opts.maxAgeMs !== undefined && this.s.unbatchedAlarms.all(1).length === 0 && this.taker.runIsYoungAndShort(order, maxReadings, nowMs - opts.maxAgeMs)) return null;
    return this.durably(() => this.store.db.transaction((): OutboxBatch | null => {
      const alarmRows = this.s.unbatchedAlarms.all(maxAlarms) as AlarmRow[];
      // Nothing to send yet (the test below, without unpacking what waits).
      if (alarmRows.length === 0 && opts.maxAgeMs !== undefined && this.taker.runIsYoungAndShort(order, maxReadings, nowMs - opts.maxAgeMs)) return null;
      const peeked = this.taker.peek(order, maxReadings, gatewayId);
      const peekedCount = peeked.readings.reduce((n, r) => n + r.length, 0);
      if (alarmRows.length === 0 && peekedCount === 0) return null;
      let oldestReadingMs = Infinity;
      for (const record of peeked.readings) for (const r of record) oldestReadingMs = Math.min(oldestReadingMs, r.receivedAtMs);
      const waitForMore = alarmRows.length === 0 && peekedCount < maxReadings && opts.maxAgeMs !== undefined;
      if (waitForMore && nowMs - oldestReadingMs < opts.maxAgeMs!) return null;

      const taken = this.taker.take(order, maxReadings, peeked);
      if (taken.readings.length > 0) {
        oldestReadingMs = taken.readings.reduce((min, r) => Math.min(min, r.receivedAtMs), Infinity);
      }
      const seq = Number(this.store.getMeta('next_batch_seq') ?? '1');
      this.store.setMeta('next_batch_seq', String(seq + 1));
      const { first, last } = taken;
      const oldest = alarmRows.reduce((min, a) => Math.min(min, a[11]), oldestReadingMs);
      this.s.insertBatch.run(seq, gatewayId, nowMs, order, first, last, taken.readings.length, alarmRows.length, oldest);
      // The rows taken are exactly those in [first, last] (one run of unbatched rows, the
      // boundary record split), so the range alone marks them batched: no row is rewritten.
      if (first !== null && last !== null) this.spans.add(first, last);
      for (const a of alarmRows) this.s.assignAlarm.run(seq, a[0]);
      return {
        gatewayId,
        seq,
        createdAtMs: nowMs,
        order,
        attempts: 0,
        alarms: alarmRows.map(toAlarmEvent),
        readings: taken.readings,
      };
    }).immediate());
  }

  /**
   * Gives a pending batch a new sequence above `aboveSeq` (and above every seq given so
   * far), same content: the cloud holds another batch under its seq (WL_API_BATCH_SEQ_REUSED,
   * after this buffer lost its last commits). Returns the new seq.
   */
  renumber(seq: number, aboveSeq: number): number {
    return this.durably(() =>
      this.store.db.transaction((): number => {
        const row = this.s.batch.get(seq) as BatchRow | undefined;
        if (!row) throw new UnknownBatchError(seq);
        if (row.state !== 'pending') return seq;
        const next = Math.max(Number(this.store.getMeta('next_batch_seq') ?? '1'), aboveSeq + 1, seq + 1);
        this.store.setMeta('next_batch_seq', String(next + 1));
        this.s.renumberBatch.run(next, seq);
        this.s.renumberAlarms.run(next, seq);
        if (row.first_reading_id !== null && row.last_reading_id !== null) this.s.renumberLegacyRows.run(next, row.first_reading_id, row.last_reading_id, seq);
        return next;
      }).immediate(),
    );
  }

  /**
   * Runs a transaction that hands out sequence numbers with its commit synced to disk,
   * whatever the buffer's durability: a seq the cloud may have seen must never be rolled
   * back by a power cut and given to other readings (the cloud would take them for a
   * replay). One fsync per batch built, not per reading: inside the commit, or, with a
   * WalSync, after it and off the event loop, before the batch is sent (durable()).
   */
  private durably<T>(fn: () => T): T {
    if (this.walSync !== undefined) {
      const result = fn();
      this.walSync.noteCommitted();
      return result;
    }
    if (this.store.durability === 'full') return fn();
    this.store.db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      this.store.db.pragma('synchronous = NORMAL');
    }
  }
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new BufferOptionError(name, `must be an integer >= ${min}`, value);
  return value;
}
