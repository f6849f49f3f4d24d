/**
 * Real SQLite files in a temporary folder, with the alarm tables, for the alarm tests. The
 * buffer's steps run first, as in the gateway: alarm events live in its `alarm_events`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations, bufferMigrations } from '../../buffer/migrations.js';
import { silentBufferLogger } from '../../buffer/types.js';
import { alarmMigrations } from '../migrations.js';

export interface TempDb {
  path: string;
  /** Opens one more connection to the same file (another process, as far as SQLite can tell). */
  connect(): Database.Database;
  cleanup(): void;
}

export function tempDb(prefix = 'wl-alarms-'): TempDb {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'gateway.db');
  const opened: Database.Database[] = [];
  const first = new Database(path);
  first.pragma('journal_mode = WAL');
  applyMigrations(first, [...bufferMigrations, ...alarmMigrations], { nowMs: 0, logger: silentBufferLogger });
  first.close();
  return {
    path,
    connect() {
      const db = new Database(path);
      db.pragma('busy_timeout = 5000');
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
