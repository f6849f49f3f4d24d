/**
 * The byte cap, with alarm-aware eviction.
 *
 * The cap that counts is the EFFECTIVE one: the smaller of `maxBytes` and what the
 * filesystem can hold (pages in use + free pages + what statfs says is available), less a
 * reserve: room for the WAL between checkpoints and for alarm events. Eviction and the
 * buffer-80/95 alarms act on it, so the disk never fills before the cap does. When the
 * filesystem eats into the alarm reserve anyway (logs, another program), `diskLow` tells
 * the daemon to refuse readings while alarm events are still stored (daemon.ts).
 *
 * Size is measured, not estimated: pages in use, (page_count - freelist_count) *
 * page_size, as SQLite sees the database including what is still in the WAL. Free pages
 * do not count (they are reused, and maintenance returns the surplus with
 * incremental_vacuum); the -wal file is bounded separately by checkpoints.
 *
 * Policy, in order. Alarm events are NEVER evicted.
 * 1. Uploaded readings (the local trend view's copy) may fill the buffer only up to
 *    `uploadedHighWater` (75%) of maxBytes; past it they are evicted a whole sent batch at
 *    a time, the one sent first first (the batch is forgotten with them, as the retention
 *    prune does), down to `uploadedLowWater` (70%). So 80% and 95% (the technical alarms) always mean
 *    that UNSENT data is filling the buffer, never that old uploaded data lingers.
 * 2. Past maxBytes, down to `unsentLowWater` (98%), in this order:
 *    a. any uploaded readings left;
 *    b. quarantined batches, oldest first (their readings go; they become 'evicted');
 *    c. unsent readings not yet in a batch, oldest first;
 *    d. pending batches, oldest first, WHOLE: a batch's content must never change once
 *       built (the cloud's idempotency is per seq), so a batch is given up entirely
 *       (state 'evicted', its seq never sent) rather than trimmed. Its alarm events are
 *       put back in the queue and go out in a later batch.
 *    (c) comes before (d) because pending batches are few (those in flight) and about to
 *    be acknowledged, while the unbatched backlog is everything else.
 * Every round is logged with its counts; the counts accumulate in `counters()`.
 */
import { statSync } from 'node:fs';
import { BufferOptionError, sleep, type Clock } from '@wardlink/shared';
import { oldestUnsentMs } from './backlog.js';
import { outboxSpans } from './outbox-spans.js';
import { DELETED_ROW_COLUMNS, trendIndex, type DeletedRow } from './trend-index.js';
import { filesystemSpace, UNLIMITED_SPACE, type DiskSpace } from './disk-space.js';
import type { BufferStore } from './store.js';
import type { BufferLogger, BufferUsage, EvictionCounters } from './types.js';

export interface BufferCapOptions {
  maxBytes: number;
  /** The buffer's filesystem; default: statfs of the database's folder. */
  disk?: DiskSpace;
  /** Space kept for alarm events and the audit when readings stop (config buffer.diskReserveBytes). Default 4 MiB. */
  alarmReserveBytes?: number;
  /** Space the WAL may take between checkpoints. Default: two automatic-checkpoint
   * periods' worth (2 × wal_autocheckpoint pages; 8 MiB with the defaults). */
  walHeadroomBytes?: number;
  uploadedHighWater?: number;
  uploadedLowWater?: number;
  unsentLowWater?: number;
  /** Most record rows one DELETE removes, so the writer never waits long. Default 5000. */
  chunkRows?: number;
  clock?: Clock;
  logger?: BufferLogger;
}

type Tier = 'uploaded' | 'quarantined' | 'unsent' | 'pending';

/** The smallest effective cap: below it the buffer holds too little to be a buffer. */
const MIN_EFFECTIVE_BYTES = 1024 * 1024;

export class BufferCap {
  readonly maxBytes: number;
  readonly alarmReserveBytes: number;
  private readonly walHeadroomBytes: number;
  private readonly walPath: string | null;
  /** The filesystem the cap decides by; the daemon's buffer-look gates read the same one. */
  readonly disk: DiskSpace;
  private readonly uploadedHighWater: number;
  private readonly uploadedLowWater: number;
  private readonly unsentLowWater: number;
  private readonly chunkRows: number;
  private readonly clock: Clock;
  private readonly logger: BufferLogger;
  private readonly pageSize: number;
  private readonly totals: EvictionCounters = { rounds: 0, uploadedReadings: 0, quarantinedReadings: 0, unsentReadings: 0, evictedBatches: 0 };
  private running = false;
  private readonly s;

  constructor(private readonly store: BufferStore, opts: BufferCapOptions) {
    if (!Number.isInteger(opts.maxBytes) || opts.maxBytes < 65_536) throw new BufferOptionError('maxBytes', 'must be an integer of at least 65536', opts.maxBytes);
    this.maxBytes = opts.maxBytes;
    this.disk = opts.disk ?? (store.path === ':memory:' ? UNLIMITED_SPACE : filesystemSpace(store.path));
    this.alarmReserveBytes = opts.alarmReserveBytes ?? 4 * 1024 * 1024;
    this.uploadedHighWater = fraction('uploadedHighWater', opts.uploadedHighWater, 0.75);
    this.uploadedLowWater = fraction('uploadedLowWater', opts.uploadedLowWater, 0.7);
    this.unsentLowWater = fraction('unsentLowWater', opts.unsentLowWater, 0.98);
    if (this.uploadedLowWater > this.uploadedHighWater) throw new BufferOptionError('uploadedLowWater', 'must not exceed uploadedHighWater', opts.uploadedLowWater);
    this.chunkRows = opts.chunkRows ?? 5000;
    if (!Number.isInteger(this.chunkRows) || this.chunkRows < 1) throw new BufferOptionError('chunkRows', 'must be a positive integer', opts.chunkRows);
    this.clock = opts.clock ?? store.clock;
    this.logger = opts.logger ?? store.logger;
    const db = store.db;
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.walHeadroomBytes = opts.walHeadroomBytes ?? 2 * store.connection.walAutocheckpointPages * this.pageSize;
    this.walPath = store.path === ':memory:' ? null : `${store.path}-wal`;
    this.s = {
      pages: db.prepare('SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())').pluck(),
      freePages: db.prepare('SELECT freelist_count FROM pragma_freelist_count()').pluck(),
      // Ids number readings (schema.ts), so this spans readings, not rows.
      idSpan: db.prepare('SELECT coalesce((SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1) - (SELECT min(id) FROM reading_records), 0)').pluck(),
      recentRecordSize: db.prepare('SELECT avg(n) FROM (SELECT n FROM reading_records ORDER BY id DESC LIMIT 64)').pluck(),
      // Uploaded = in a 'sent' batch (outbox-spans.ts): the oldest sent batch with readings
      // left, which is forgotten with them (as the retention prune does, only sooner).
      oldestSent: db.prepare(
        "SELECT seq, first_reading_id AS first, last_reading_id AS last FROM outbox_batches WHERE state IN ('sent', 'evicted') AND state = 'sent' AND first_reading_id IS NOT NULL ORDER BY settled_at_ms LIMIT 1",
      ),
      forgetBatch: db.prepare('DELETE FROM outbox_batches WHERE seq = ?'),
      unbatched: db.prepare(`DELETE FROM reading_records WHERE id IN (SELECT id FROM reading_records WHERE id >= ? AND id < ? ORDER BY id LIMIT ?) RETURNING ${DELETED_ROW_COLUMNS}`).raw(),
      oldestBatch: db.prepare('SELECT seq, first_reading_id AS first, last_reading_id AS last, reading_count AS count FROM outbox_batches WHERE state = ? AND reading_count > 0 ORDER BY seq LIMIT 1'),
      // batch_seq is set only on rows batched before buffer-003 (outbox-spans.ts).
      batchReadings: db.prepare(`DELETE FROM reading_records WHERE id BETWEEN ? AND ? AND (batch_seq IS NULL OR batch_seq = ?) RETURNING ${DELETED_ROW_COLUMNS}`).raw(),
      requeueAlarms: db.prepare('UPDATE alarm_events SET batch_seq = NULL WHERE batch_seq = ?'),
      evictBatch: db.prepare("UPDATE outbox_batches SET state = 'evicted', settled_at_ms = ?, last_error = 'evicted under the byte cap' WHERE seq = ?"),
    };
  }

  /** Bytes of database pages in use. */
  usedBytes(): number {
    return (this.s.pages.get() as number) * this.pageSize;
  }

  /**
   * The cap that counts now: `maxBytes`, or less when the filesystem cannot hold that
   * plus the reserve. Never below 1 MiB (a disk that small is reported by `diskLow`).
   */
  effectiveMaxBytes(available = this.disk.availableBytes()): number {
    // What the buffer may occupy: its pages (used and free), the -wal file as it is now (it
    // is reused from its start after each checkpoint), and what the filesystem has left;
    // less the WAL's growth between checkpoints and the alarm reserve. A completely full
    // disk cannot even take the WAL frames of an eviction's DELETE: the reserve prevents it.
    const room = this.usedBytes() + (this.s.freePages.get() as number) * this.pageSize + this.walFileBytes() + available;
    return Math.min(this.maxBytes, Math.max(MIN_EFFECTIVE_BYTES, Math.floor(room - this.alarmReserveBytes - this.walHeadroomBytes)));
  }

  private walFileBytes(): number {
    if (this.walPath === null) return 0;
    try {
      return statSync(this.walPath).size;
    } catch {
      return 0;
    }
  }

  bufferUsage(): BufferUsage {
    const bytes = this.usedBytes();
    const available = this.disk.availableBytes();
    const maxBytes = this.effectiveMaxBytes(available);
    return {
      bytes,
      maxBytes,
      configuredMaxBytes: this.maxBytes,
      diskAvailableBytes: available,
      diskLow: available < this.alarmReserveBytes,
      fraction: bytes / maxBytes,
      unsentReadings: this.store.tally.readings,
      oldestUnsentMs: oldestUnsentMs(this.store.db),
    };
  }

  counters(): EvictionCounters {
    return { ...this.totals };
  }

  /**
   * Evicts until the buffer is back under the policy's marks, one chunk per step with a
   * yield between steps. Returns this round's counts, or null when nothing was needed
   * (or a round is already running).
   */
  async enforce(): Promise<EvictionCounters | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const bytesBefore = this.usedBytes();
      // Decided once per round: freeing pages moves them to the free list, not the disk.
      const maxBytes = this.effectiveMaxBytes();
      const round: EvictionCounters = { rounds: 1, uploadedReadings: 0, quarantinedReadings: 0, unsentReadings: 0, evictedBatches: 0 };
      if (bytesBefore > this.uploadedHighWater * maxBytes) {
        await this.evictDownTo(this.uploadedLowWater * maxBytes, ['uploaded'], round);
      }
      if (this.usedBytes() > maxBytes) {
        const done = await this.evictDownTo(this.unsentLowWater * maxBytes, ['uploaded', 'quarantined', 'unsent', 'pending'], round);
        if (!done) this.logger.error({ bytes: this.usedBytes(), maxBytes }, 'buffer is over its byte cap with nothing left to evict but alarm events');
      }
      const evicted = round.uploadedReadings + round.quarantinedReadings + round.unsentReadings;
      if (evicted === 0) return null;
      for (const k of Object.keys(round) as (keyof EvictionCounters)[]) this.totals[k] += round[k];
      const log = { ...round, bytesBefore, bytesAfter: this.usedBytes(), maxBytes, configuredMaxBytes: this.maxBytes };
      if (round.unsentReadings > 0 || round.evictedBatches > 0) this.logger.warn(log, 'buffer eviction dropped unsent readings to stay under the byte cap');
      else this.logger.info(log, 'buffer eviction dropped uploaded readings');
      return round;
    } finally {
      this.running = false;
    }
  }

  /** True when the target was reached; false when every tier ran dry first. */
  private async evictDownTo(targetBytes: number, tiers: readonly Tier[], round: EvictionCounters): Promise<boolean> {
    for (;;) {
      const used = this.usedBytes();
      if (used <= targetBytes) return true;
      const rows = this.rowsFor(used - targetBytes);
      let progressed = false;
      for (const tier of tiers) {
        if (this.evictStep(tier, rows, round)) {
          progressed = true;
          break;
        }
      }
      if (!progressed) return false;
      await sleep(0, this.clock);
    }
  }

  /** Record rows to delete to free about `bytes`, from the average reading footprint; one chunk at most. */
  private rowsFor(bytes: number): number {
    const span = this.s.idSpan.get() as number;
    const perReading = span > 0 ? this.usedBytes() / span : 100;
    const readings = Math.ceil(bytes / Math.max(perReading, 1));
    const perRecord = Math.max((this.s.recentRecordSize.get() as number | null) ?? 1, 1);
    return Math.max(8, Math.min(this.chunkRows, Math.ceil(readings / perRecord)));
  }

  private evictStep(tier: Tier, rows: number, round: EvictionCounters): boolean {
    switch (tier) {
      case 'uploaded': {
        const n = this.evictOldestSentBatch();
        if (n === null) return false;
        round.uploadedReadings += n;
        return true;
      }
      case 'unsent': {
        const run = outboxSpans(this.store.db).run('oldest');
        if (run === null) return false;
        const n = this.deleted(this.s.unbatched.all(run.fromId, run.toId, rows) as DeletedRow[]);
        this.store.tally.remove(n);
        round.unsentReadings += n;
        return n > 0;
      }
      case 'quarantined':
      case 'pending': {
        const n = this.evictOldestBatch(tier);
        if (n === null) return false;
        round.evictedBatches += 1;
        if (tier === 'pending') round.unsentReadings += n;
        else round.quarantinedReadings += n;
        return true;
      }
    }
  }

  /** Takes deleted rows out of the trend index; returns their readings. */
  private deleted(rows: DeletedRow[]): number {
    trendIndex(this.store.db).forget(rows);
    let n = 0;
    for (const r of rows) n += r[0];
    return n;
  }

  /** Drops the readings of the oldest sent batch and forgets it; returns how many, or null if none. */
  private evictOldestSentBatch(): number | null {
    return this.store.db.transaction((): number | null => {
      const b = this.s.oldestSent.get() as { seq: number; first: number; last: number } | undefined;
      if (!b) return null;
      const n = this.deleted(this.s.batchReadings.all(b.first, b.last, b.seq) as DeletedRow[]);
      this.s.forgetBatch.run(b.seq);
      return n;
    }).immediate();
  }

  /** Gives up the oldest batch in `state`; returns its readings dropped, or null if none. */
  private evictOldestBatch(state: 'quarantined' | 'pending'): number | null {
    const now = this.clock.now();
    const result = this.store.db.transaction((): number | null => {
      const b = this.s.oldestBatch.get(state) as { seq: number; first: number | null; last: number | null; count: number } | undefined;
      if (!b) return null;
      const n = b.first === null ? 0 : this.deleted(this.s.batchReadings.all(b.first, b.last, b.seq) as DeletedRow[]);
      this.s.requeueAlarms.run(b.seq);
      this.s.evictBatch.run(now, b.seq);
      this.logger.warn({ seq: b.seq, state, readings: n }, 'outbox batch evicted under the byte cap; its alarm events are queued again');
      return n;
    }).immediate();
    if (result !== null && state === 'pending') this.store.tally.remove(result);
    return result;
  }
}

function fraction(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(v > 0 && v <= 1)) throw new BufferOptionError(name, 'must be a fraction in (0, 1]', value);
  return v;
}
