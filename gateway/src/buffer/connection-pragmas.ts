/**
 * The per-connection pragmas of the buffer's file. The store's connection (main thread)
 * and the commit worker's connection (commit-worker.ts) both apply them, so a commit
 * behaves the same (durability, automatic checkpoints, WAL size) whichever thread runs
 * it. Persistent settings (journal_mode, auto_vacuum) are the store's business.
 */
import type Database from 'better-sqlite3';
import type { Durability } from './types.js';

export interface ConnectionSettings {
  durability: Durability;
  /** How long a statement waits for another connection's lock, ms. */
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
  walSizeLimitBytes: number;
  cacheSizeKiB: number;
}

export function applyConnectionPragmas(db: Database.Database, s: ConnectionSettings): void {
  db.pragma(`busy_timeout = ${s.busyTimeoutMs}`);
  db.pragma(`synchronous = ${s.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`wal_autocheckpoint = ${s.walAutocheckpointPages}`);
  db.pragma(`journal_size_limit = ${s.walSizeLimitBytes}`);
  db.pragma(`cache_size = -${s.cacheSizeKiB}`);
  db.pragma('temp_store = MEMORY');
}
