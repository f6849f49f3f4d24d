/**
 * One group commit, on the commit worker's connection: every entry in ONE transaction; if SQLite refuses the
 * data of one entry, each entry again in its own transaction, so only the bad one fails.
 * The outcome is plain data (no Error objects) so it can cross a thread boundary.
 */
import type Database from 'better-sqlite3';
import type { AlarmEvent, Reading } from '@wardlink/shared';
import type { WireEntry } from './commit-wire.js';
import type { ConnectionSettings } from './connection-pragmas.js';
import type { RecentEntry, RecentRecords } from './recent-records.js';
import { prepareInserts } from './rows.js';
import { isBusy, isDataError } from './sqlite-codes.js';

/** An error as the main thread rebuilds it: SQLite's code (if any) and the message. */
export interface CommitFailure {
  code: string | null;
  message: string;
}

export type CommitOutcome =
  /** Another connection holds the write lock: nothing was done, try again later. */
  | { kind: 'busy' }
  /** The transaction failed as a whole (disk full, I/O error): every entry failed. */
  | { kind: 'failed'; failure: CommitFailure; latencyMs: number }
  /** Committed; `refused` lists the entries (by index) isolated for their data;
   * `duplicates` counts readings not stored because they were already (recent-records.ts),
   * `retimed` those stored at their receive time because their device time held other values. */
  | { kind: 'committed'; readings: number; alarms: number; duplicates: number; retimed: number; latencyMs: number; refused: [number, CommitFailure][] };

/**
 * How long the commit thread itself waits for SQLite's write lock (its connection's
 * busy_timeout). Blocking that thread costs the event loop nothing, and the main thread's
 * own writes (outbox, audit, registry) hold the lock for a millisecond or so: waiting them
 * out here beats a round trip through the writer's retry timer. A lock held longer (the
 * CLI) is reported as busy, and the writer retries on its clock up to lockWaitMs.
 */
export const COMMIT_LOCK_WAIT_MS = 100;

/**
 * The commit connection's page cache, at most. It only appends: the right edge of the
 * records table (no index is written in a commit since buffer-004, trend-index.ts) is a
 * few pages; a larger cache would only fill with pages written once and never read again,
 * in a second connection's memory.
 */
export const COMMIT_CACHE_MAX_KIB = 1024;

/** The commit connection's settings, from the store's. */
export function commitConnectionSettings(store: ConnectionSettings): ConnectionSettings {
  return { ...store, busyTimeoutMs: COMMIT_LOCK_WAIT_MS, cacheSizeKiB: Math.min(store.cacheSizeKiB, COMMIT_CACHE_MAX_KIB) };
}

export interface BatchCommitterOptions {
  monotonicMs: () => number;
  /** The recently committed records, for redelivered copies; none: no de-duplication. */
  recent?: RecentRecords;
}

export type BatchCommitter = (entries: readonly WireEntry[], nowMs: number) => CommitOutcome;

export function toCommitFailure(err: unknown): CommitFailure {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : null, message: err instanceof Error ? err.message : String(err) };
}

/** The failure as an Error again (on the main thread), for toBufferError. */
export function fromCommitFailure(f: CommitFailure): Error {
  return f.code === null ? new Error(f.message) : Object.assign(new Error(f.message), { code: f.code });
}

export function createBatchCommitter(db: Database.Database, opts: BatchCommitterOptions): BatchCommitter {
  const inserts = prepareInserts(db);
  const recent = opts.recent;
  /** What the transaction in progress adds to `recent`: published only once it commits. */
  let overlay = new Map<string, RecentEntry>();
  const tx = db.transaction((entries: readonly WireEntry[], nowMs: number) => {
    overlay = new Map();
    const groups: (readonly Reading[])[] = [];
    let readings = 0;
    let alarms = 0;
    let duplicates = 0;
    let retimed = 0;
    for (const e of entries) {
      if (e.readings) {
        let kept = e.readings;
        if (recent && e.sharedTimeMs !== undefined) recent.register(e.readings, overlay, e.sharedTimeMs);
        if (recent && e.dedup) {
          const filtered = recent.filter(e.readings, overlay);
          kept = filtered.kept;
          duplicates += filtered.dropped;
          retimed += filtered.retimed;
        }
        if (kept.length > 0) groups.push(kept);
        readings += kept.length;
      } else {
        for (const event of e.alarms as readonly AlarmEvent[]) alarms += inserts.insertAlarm(event, nowMs);
      }
    }
    inserts.insertReadings(groups);
    return { readings, alarms, duplicates, retimed };
  });
  const committed = () => {
    recent?.commit(overlay);
    overlay = new Map();
  };

  /** Each entry alone, so only the refused one fails. */
  function commitEachAlone(entries: readonly WireEntry[], nowMs: number, started: number): CommitOutcome {
    const refused: [number, CommitFailure][] = [];
    let readings = 0;
    let alarms = 0;
    let duplicates = 0;
    let retimed = 0;
    entries.forEach((entry, i) => {
      try {
        const r = tx.immediate([entry], nowMs);
        committed();
        readings += r.readings;
        alarms += r.alarms;
        duplicates += r.duplicates;
        retimed += r.retimed;
      } catch (err) {
        refused.push([i, toCommitFailure(err)]);
      }
    });
    return { kind: 'committed', readings, alarms, duplicates, retimed, latencyMs: opts.monotonicMs() - started, refused };
  }

  return (entries, nowMs) => {
    const started = opts.monotonicMs();
    try {
      // BEGIN IMMEDIATE takes the write lock up front, so "busy" can only happen before any work.
      const r = tx.immediate(entries, nowMs);
      committed();
      return { kind: 'committed', ...r, latencyMs: opts.monotonicMs() - started, refused: [] };
    } catch (err) {
      if (isBusy(err)) return { kind: 'busy' };
      if (isDataError(err) && entries.length > 1) return commitEachAlone(entries, nowMs, started);
      return { kind: 'failed', failure: toCommitFailure(err), latencyMs: opts.monotonicMs() - started };
    }
  };
}
