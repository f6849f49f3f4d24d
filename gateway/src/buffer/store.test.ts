import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@wardlink/shared';
import { openBufferStore } from './store.js';
import { orderMigrations } from './migrations.js';
import { recordingLogger, tempDir, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
beforeEach(() => (dir = tempDir()));
afterEach(() => dir.remove());

describe('openBufferStore', () => {
  it('opens a WAL database with the durability mode, incremental auto-vacuum and foreign keys', () => {
    for (const [durability, synchronous] of [
      ['normal', 1],
      ['full', 2],
    ] as const) {
      const store = openBufferStore({ path: dir.file(`${durability}/gw.db`), durability, gatewayId: 'icu-3a' });
      const db = store.db;
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(synchronous);
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(store.gatewayId()).toBe('icu-3a');
      store.close();
    }
  });

  it('applies migrations once, records them, and runs other modules\' steps in namespace order', () => {
    const path = dir.file('gw.db');
    const extra = [
      { id: 'rules-002-priority', sql: 'ALTER TABLE rules ADD COLUMN priority TEXT' },
      { id: 'registry-001-beds', sql: 'CREATE TABLE beds (bed_id TEXT PRIMARY KEY) STRICT' },
      { id: 'rules-001-rules', sql: 'CREATE TABLE rules (rule_id TEXT PRIMARY KEY) STRICT' },
    ];
    const first = openBufferStore({ path, extraMigrations: extra });
    const ids = first.db.prepare('SELECT id FROM schema_migrations ORDER BY rowid').pluck().all();
    expect(ids).toEqual(['buffer-001-readings-alarms-outbox', 'buffer-002-readings-view-clock-unit', 'buffer-003-outbox-by-id-ranges', 'buffer-004-deferred-trend-index', 'buffer-005-items-flags-optional', 'rules-001-rules', 'rules-002-priority', 'registry-001-beds']);
    first.close();

    // Reopening is a no-op: nothing applied twice (ALTER TABLE ADD COLUMN would fail).
    const logger = recordingLogger();
    const again = openBufferStore({ path, extraMigrations: extra, logger });
    expect(again.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(8);
    expect(logger.lines.filter((l) => l.msg === 'schema migrations applied')).toHaveLength(0);
    again.close();
  });

  it('rolls a failed migration back entirely and reports it with a stable code', () => {
    const path = dir.file('gw.db');
    const bad = [
      { id: 'audit-001-ok', sql: 'CREATE TABLE audit (x INTEGER) STRICT' },
      { id: 'audit-002-broken', sql: 'CREATE TABLE nope (' },
    ];
    let caught: unknown;
    try {
      openBufferStore({ path, extraMigrations: bad });
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'WL_BUFFER_MIGRATION_FAILED')).toBe(true);
    expect((caught as { detail: { migrationId: string } }).detail.migrationId).toBe('audit-002-broken');
    const db = new Database(path);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).not.toContain('audit');
    expect(tables).not.toContain('readings');
    db.close();
  });

  it('refuses malformed and duplicate migration ids', () => {
    expect(() => orderMigrations([{ id: 'NoNamespace', sql: '' }])).toThrow(/namespace/);
    expect(() => orderMigrations([{ id: 'a-001-x', sql: '' }, { id: 'a-001-x', sql: '' }])).toThrow(/unique/);
    expect(() => orderMigrations([{ id: 'a-001-x', sql: '' }, { id: 'a-1-y', sql: '' }])).toThrow(/twice/);
  });

  it('reports a file that is not a database as WL_BUFFER_CORRUPT', () => {
    const path = dir.file('junk.db');
    writeFileSync(path, Buffer.alloc(8192, 0x41));
    expect(() => openBufferStore({ path })).toThrow(expect.objectContaining({ code: 'WL_BUFFER_CORRUPT' }));
  });

  it('converts a database created without incremental auto-vacuum, keeping its data', () => {
    const path = dir.file('old.db');
    const old = new Database(path);
    old.exec("CREATE TABLE beds (bed_id TEXT PRIMARY KEY); INSERT INTO beds VALUES ('bed-1')");
    old.close();
    const store = openBufferStore({ path, extraMigrations: [] });
    expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(store.db.prepare('SELECT bed_id FROM beds').pluck().all()).toEqual(['bed-1']);
    store.close();
  });

  it('checks its options', () => {
    expect(() => openBufferStore({ path: dir.file('x.db'), durability: 'sometimes' as never })).toThrow(
      expect.objectContaining({ code: 'WL_BUFFER_BAD_OPTION' }),
    );
    expect(() => openBufferStore({ path: dir.file('x.db'), gatewayId: 'has space' })).toThrow(/gatewayId/);
  });
});
