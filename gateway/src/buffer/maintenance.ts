/**
 * Housekeeping that keeps the gateway's files bounded for months of unattended running:
 * - prune: readings uploaded longer ago than the local retention (default 24 h, kept for
 *   the local trend view) and settled outbox batches just as old, by their id ranges
 *   (outbox-spans.ts); then the batched-range table is compacted;
 * - the trend index catches up with the rows committed since it last did (trend-index.ts),
 *   not inside every commit nor every cycle: each catch-up rewrites one leaf page per bed
 *   whatever it adds, so the longer the period the fewer pages per reading (the trend
 *   reader scans the rows above the mark instead);
 * - the prune and the catch-up run together, every `trendIndexIntervalMs` (2 min), just
 *   after the cycle's checkpoint (see runHousekeeping for why, with the figures);
 * - incremental_vacuum: returns free pages beyond a reserve to the filesystem (the
 *   reserve is reused by new rows, so the file does not shrink and regrow every cycle);
 * - wal_checkpoint(TRUNCATE): copies the WAL into the database and cuts the -wal file to
 *   zero; what the cycle writes after it waits in the WAL for the next cycle's. Between
 *   cycles SQLite's automatic checkpoint (store.ts, wal_autocheckpoint) keeps the WAL
 *   near its threshold and journal_size_limit trims it after a spike. The
 *   TRUNCATE is tried without waiting: if another process (the CLI) is reading, it does
 *   what it can and the next cycle finishes it;
 * - the byte cap (see eviction.ts), checked more often than the rest.
 * Every step deletes or moves at most one chunk per statement and yields between chunks,
 * so the writer (same connection, same thread) never waits long. Alarm events are never
 * pruned here: they are the audit trail.
 */
import { statSync } from 'node:fs';
import { BufferOptionError, sleep, type Clock, type TimerHandle } from '@wardlink/shared';
import { outboxSpans } from './outbox-spans.js';
import { DELETED_ROW_COLUMNS, trendIndex, type DeletedRow } from './trend-index.js';
import type { BufferCap } from './eviction.js';
import type { BufferStore } from './store.js';
import type { BufferLogger } from './types.js';

export interface MaintenanceOptions {
  /** How long uploaded readings stay for the local trend view. Default 24 h. */
  localRetentionMs?: number;
  /** Period of checkpoint + vacuum, and of the look whether the prune is due. Default 30 s. */
  housekeepingIntervalMs?: number;
  /**
   * Period of the trend index's catch-up and of the retention prune (they run together),
   * run by the first housekeeping cycle that finds them due. Default TREND_INDEX_INTERVAL_MS.
   * Uploaded readings stay up to this much longer than `localRetentionMs`.
   */
  trendIndexIntervalMs?: number;
  /** Period of the byte-cap check (cheap when under the cap). Default 1 s. */
  capCheckIntervalMs?: number;
  /**
   * Asked at each period: is a cap check due? Default: always. The daemon answers true only
   * after a commit, a change of the disk's room or a quiet 10 s (daemon-gauges.ts'
   * BufferLookGate), so an idle gateway does not recount pages and statfs every second.
   */
  capCheckDue?: () => boolean;
  /** Told after a cap check that succeeded; one that failed stays due (retried next period). */
  capChecked?: () => void;
  /** Most rows (record rows for readings) one DELETE removes. Default 5000 (at most 10,000). */
  chunkRows?: number;
  /** Most pages one incremental_vacuum step returns. Default 1024. */
  vacuumChunkPages?: number;
  /** Free pages kept for reuse instead of returned. Default 16 MiB worth. */
  keepFreeBytes?: number;
  /** The byte cap to enforce; without it only housekeeping runs. */
  cap?: BufferCap;
  clock?: Clock;
  logger?: BufferLogger;
}

export interface CheckpointResult {
  /** True when another connection kept the checkpoint from completing. */
  busy: boolean;
  walPages: number;
  checkpointedPages: number;
  /** Size of the -wal file afterwards. */
  walBytes: number;
}

export interface HousekeepingReport {
  prunedReadings: number;
  prunedBatches: number;
  vacuumedPages: number;
  checkpoint: CheckpointResult;
}

const HOUR_MS = 3_600_000;

/**
 * The trend index's catch-up period, and the retention prune's (runHousekeeping). Measured
 * with the footprint bench's ward (60 beds, ~460 readings/s, 1 KiB pages): at 30 s the
 * catch-up wrote ~180 pages each time, 13 B of WAL per reading plus their checkpoint; at
 * 2 min ~280 pages, 5 B. The rows above the mark that a trend query then scans are 2 min
 * of the ward at most (~7,000 rows, ~1 MB).
 */
export const TREND_INDEX_INTERVAL_MS = 120_000;

function int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new BufferOptionError(name, `must be an integer from ${min} to ${max}`, value);
  return v;
}

export class BufferMaintenance {
  readonly localRetentionMs: number;
  private readonly housekeepingIntervalMs: number;
  private readonly capCheckIntervalMs: number;
  private readonly trendIndexIntervalMs: number;
  /** When the prune and the trend index last ran (clock ms), null: not yet. */
  private roundAtMs: number | null = null;
  private readonly chunkRows: number;
  private readonly vacuumChunkPages: number;
  private readonly keepFreeBytes: number;
  private readonly cap: BufferCap | undefined;
  private readonly capCheckDue: () => boolean;
  private readonly capChecked: () => void;
  private readonly clock: Clock;
  private readonly logger: BufferLogger;
  private timers: TimerHandle[] = [];
  private housekeeping: Promise<unknown> | null = null;
  private capCheck: Promise<unknown> | null = null;
  private readonly s;

  constructor(private readonly store: BufferStore, opts: MaintenanceOptions = {}) {
    this.localRetentionMs = int('localRetentionMs', opts.localRetentionMs, 24 * HOUR_MS, 0, 365 * 24 * HOUR_MS);
    this.housekeepingIntervalMs = int('housekeepingIntervalMs', opts.housekeepingIntervalMs, 30_000, 10, 24 * HOUR_MS);
    this.trendIndexIntervalMs = int('trendIndexIntervalMs', opts.trendIndexIntervalMs, TREND_INDEX_INTERVAL_MS, 0, 24 * HOUR_MS);
    this.capCheckIntervalMs = int('capCheckIntervalMs', opts.capCheckIntervalMs, 1000, 10, HOUR_MS);
    this.chunkRows = int('chunkRows', opts.chunkRows, 5000, 1, 10_000);
    this.vacuumChunkPages = int('vacuumChunkPages', opts.vacuumChunkPages, 1024, 1, 1_000_000);
    this.keepFreeBytes = int('keepFreeBytes', opts.keepFreeBytes, 16 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER);
    this.cap = opts.cap;
    this.capCheckDue = opts.capCheckDue ?? (() => true);
    this.capChecked = opts.capChecked ?? (() => undefined);
    this.clock = opts.clock ?? store.clock;
    this.logger = opts.logger ?? store.logger;
    const db = store.db;
    this.s = {
      // Uploaded = in a 'sent' batch (outbox-spans.ts; the IN term lets SQLite use the
      // partial index outbox_batches_settled). The batch's range finds its rows on the
      // rowid, and batch_seq tells a legacy batch's own rows apart (buffer-003).
      oldSentBatches: db
        .prepare("SELECT seq, first_reading_id, last_reading_id FROM outbox_batches WHERE state IN ('sent', 'evicted') AND state = 'sent' AND first_reading_id IS NOT NULL AND settled_at_ms < ? ORDER BY settled_at_ms")
        .raw(),
      pruneRange: db
        .prepare(
          `DELETE FROM reading_records WHERE id IN (SELECT id FROM reading_records WHERE id BETWEEN ? AND ? AND (batch_seq IS NULL OR batch_seq = ?) ORDER BY id LIMIT ?) RETURNING ${DELETED_ROW_COLUMNS}`,
        )
        .raw(),
      oldSettledBatches: db
        .prepare(
          "SELECT seq, first_reading_id, last_reading_id FROM outbox_batches WHERE state IN ('sent', 'evicted') AND settled_at_ms < ? ORDER BY settled_at_ms LIMIT ?",
        )
        .raw(),
      forgetBatch: db.prepare('DELETE FROM outbox_batches WHERE seq = ?'),
      freePages: db.prepare('SELECT freelist_count FROM pragma_freelist_count()').pluck(),
    };
  }

  /** Starts the timers (unref'd: they never keep the process alive on their own). */
  start(): void {
    if (this.timers.length > 0) return;
    this.timers.push(this.clock.setInterval(() => void this.runHousekeepingSafely(), this.housekeepingIntervalMs).unref());
    if (this.cap) this.timers.push(this.clock.setInterval(() => void this.enforceCapSafely(), this.capCheckIntervalMs).unref());
  }

  /** Stops the timers and waits for a running job to finish its current chunk loop. */
  async stop(): Promise<void> {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    await Promise.allSettled([this.housekeeping, this.capCheck]);
  }

  /**
   * Checkpoint; then, every trendIndexIntervalMs, prune and trend-index catch-up; then
   * vacuum. Why in that order, and together (issue 18):
   * - The checkpoint comes BEFORE the prune. SQLite writes most of the leaf pages a prune
   *   deletes from into the WAL (a DELETE rewrites a page before it frees it, and balancing
   *   moves the next rows onto it), and the commits of the next minutes take those free
   *   pages for their new rows and write them again. Left in the WAL until the next
   *   cycle's checkpoint, such a page is copied into the file once, with its new rows;
   *   checkpointed right after the prune (the order before), it was copied twice.
   * - The prune runs with the catch-up, just before it, rather than every cycle: its
   *   per-transaction pages (a trend-index leaf or two per bed whatever it deletes, the
   *   records' interior pages, page 1, the pointer map) are written a quarter as often,
   *   and the catch-up's new index entries take the pages the prune freed, in the same
   *   WAL window.
   * Measured with a scratch driver of the real store, writer, outbox and maintenance in
   * simulated time (the footprint bench's 60-bed ward, 1 KiB pages, 30 min, the last 15
   * counted; WAL frames plus the checkpoint's pages in 4 KiB blocks, per reading): with the
   * bench's 60 s retention 179 B before, 172 with the checkpoint first alone, 158 with
   * both; with a 10 min retention (as with the daemon's 24 h, every pruned row has its trend
   * entry) 213, 195 and 174. A first day, nothing pruned: 117. Readings then stay up to one
   * period (2 min) past their retention, and the -wal file holds a prune's pages between
   * cycles (wal_autocheckpoint bounds it as ever).
   */
  async runHousekeeping(nowMs: number = this.clock.now()): Promise<HousekeepingReport> {
    const checkpoint = this.checkpoint();
    let prunedReadings = 0;
    let prunedBatches = 0;
    if (this.roundDue(nowMs)) {
      prunedReadings = await this.pruneUploaded(nowMs);
      prunedBatches = await this.pruneSettledBatches(nowMs);
      trendIndex(this.store.db).catchUp();
      this.roundAtMs = nowMs;
    }
    const vacuumedPages = await this.vacuum();
    const report = { prunedReadings, prunedBatches, vacuumedPages, checkpoint };
    if (prunedReadings + prunedBatches + vacuumedPages > 0 || checkpoint.busy) this.logger.debug(report, 'buffer housekeeping');
    return report;
  }

  /** The first cycle runs the round at once (a restart), and so does one whose clock went back. */
  private roundDue(nowMs: number): boolean {
    const last = this.roundAtMs;
    return last === null || nowMs < last || nowMs - last >= this.trendIndexIntervalMs;
  }

  /**
   * Deletes the readings of batches uploaded before now - localRetentionMs; returns how
   * many. Retention runs from the upload, not the receipt: a backlog sent after an outage
   * stays for the trend view as long as live data does.
   *
   * One transaction per chunk of chunkRows record rows, across batches, with their
   * trend-index entries: the disk's writes are what wears a gateway's flash out (issue 18).
   * A DELETE per batch and one per trend entry, each its own transaction, wrote ~1,800
   * one-page WAL commits a cycle once retention began pruning (a gateway's second day),
   * ~200 bytes per reading received.
   */
  async pruneUploaded(nowMs: number = this.clock.now()): Promise<number> {
    const batches = this.s.oldSentBatches.all(nowMs - this.localRetentionMs) as [number, number, number][];
    let readings = 0;
    let next = 0;
    await this.inChunks((limit) =>
      this.store.db
        .transaction((): number => {
          let rowsLeft = limit;
          while (next < batches.length && rowsLeft > 0) {
            const [seq, first, last] = batches[next]!;
            const rows = this.s.pruneRange.all(first, last, seq, rowsLeft) as DeletedRow[];
            trendIndex(this.store.db).forget(rows);
            for (const r of rows) readings += r[0];
            // Fewer than asked: this batch has no rows left. As many: it may have more.
            if (rows.length < rowsLeft) next++;
            rowsLeft -= rows.length;
          }
          return limit - rowsLeft;
        })
        .immediate(),
    );
    return readings;
  }

  /**
   * Forgets sent and evicted batches settled before the retention cutoff (quarantined
   * stay), with any readings still in their range: no row may outlive the batch that
   * says it was sent. One transaction per chunk of batches, as above.
   */
  async pruneSettledBatches(nowMs: number = this.clock.now()): Promise<number> {
    return this.inChunks((limit) =>
      this.store.db
        .transaction((): number => {
          const batches = this.s.oldSettledBatches.all(nowMs - this.localRetentionMs, limit) as [number, number | null, number | null][];
          for (const [seq, first, last] of batches) {
            if (first !== null && last !== null) trendIndex(this.store.db).forget(this.s.pruneRange.all(first, last, seq, Number.MAX_SAFE_INTEGER) as DeletedRow[]); // normally none left
            this.s.forgetBatch.run(seq);
          }
          outboxSpans(this.store.db).compact();
          return batches.length;
        })
        .immediate(),
    );
  }

  /** Returns free pages beyond the reserve to the filesystem; returns how many. */
  async vacuum(): Promise<number> {
    const keep = Math.ceil(this.keepFreeBytes / (this.store.db.pragma('page_size', { simple: true }) as number));
    let returned = 0;
    for (;;) {
      const surplus = (this.s.freePages.get() as number) - keep;
      if (surplus <= 0) return returned;
      const n = Math.min(surplus, this.vacuumChunkPages);
      this.store.db.pragma(`incremental_vacuum(${n})`);
      returned += n;
      await sleep(0, this.clock);
    }
  }

  /** A TRUNCATE checkpoint that never waits for other processes' locks. */
  checkpoint(): CheckpointResult {
    const db = this.store.db;
    db.pragma('busy_timeout = 0');
    let row: { busy: number; log: number; checkpointed: number };
    try {
      row = (db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[])[0]!;
    } finally {
      db.pragma(`busy_timeout = ${this.store.busyTimeoutMs}`);
    }
    return { busy: row.busy !== 0, walPages: row.log, checkpointedPages: row.checkpointed, walBytes: this.walBytes() };
  }

  /** Current size of the -wal file (0 when absent). */
  walBytes(): number {
    try {
      return statSync(`${this.store.path}-wal`).size;
    } catch {
      return 0;
    }
  }

  private async inChunks(step: (limit: number) => number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = step(this.chunkRows);
      total += n;
      if (n < this.chunkRows) return total;
      await sleep(0, this.clock);
    }
  }

  private runHousekeepingSafely(): Promise<unknown> {
    this.housekeeping ??= this.runHousekeeping()
      .catch((err: unknown) => this.logger.error({ err }, 'buffer housekeeping failed; it runs again next cycle'))
      .finally(() => (this.housekeeping = null));
    return this.housekeeping;
  }

  private enforceCapSafely(): Promise<unknown> {
    // Asked only when no round runs, so a commit is not consumed by a period that skips.
    if (!this.cap || (this.capCheck === null && !this.capCheckDue())) return this.capCheck ?? Promise.resolve();
    this.capCheck ??= this.cap
      .enforce()
      .then(() => this.capChecked())
      .catch((err: unknown) => this.logger.error({ err }, 'buffer eviction failed; it runs again next check'))
      .finally(() => (this.capCheck = null));
    return this.capCheck;
  }
}
