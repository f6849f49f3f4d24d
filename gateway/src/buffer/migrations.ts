/**
 * Versioned schema migrations for the gateway's one SQLite file. The buffer owns the
 * `buffer-*` namespace; other modules (registry, rules, audit) pass their own through
 * `openBufferStore({ extraMigrations })`, so there is one database and one runner.
 *
 * All pending steps run in ONE `BEGIN IMMEDIATE` transaction together with their rows in
 * `schema_migrations`: a failure leaves the database exactly as it was, and two processes
 * opening the file at once (daemon and CLI) cannot both apply a step.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { BufferMigrationError, BufferOptionError } from '@wardlink/shared';
import type { BufferLogger, Migration } from './types.js';
import { BUFFER_SCHEMA_SQL, FLAGS_OPTIONAL_SQL, OUTBOX_SPANS_SQL, READINGS_VIEW_V2_SQL } from './schema.js';
import { TREND_INDEX_SQL } from './trend-index.js';

export const bufferMigrations: readonly Migration[] = [
  { id: 'buffer-001-readings-alarms-outbox', sql: BUFFER_SCHEMA_SQL },
  { id: 'buffer-002-readings-view-clock-unit', sql: READINGS_VIEW_V2_SQL },
  { id: 'buffer-003-outbox-by-id-ranges', sql: OUTBOX_SPANS_SQL },
  { id: 'buffer-004-deferred-trend-index', sql: TREND_INDEX_SQL },
  { id: 'buffer-005-items-flags-optional', sql: FLAGS_OPTIONAL_SQL },
];

const ID_PATTERN = /^([a-z][a-z0-9_]*)-(\d+)(?:-[a-z0-9_-]+)?$/;

/**
 * Validates ids and returns the steps in run order: namespaces in the order they first
 * appear, each namespace's steps by number. Refuses duplicate ids and duplicate numbers.
 */
export function orderMigrations(migrations: readonly Migration[]): Migration[] {
  const byNamespace = new Map<string, { n: number; m: Migration }[]>();
  const ids = new Set<string>();
  for (const m of migrations) {
    const match = ID_PATTERN.exec(m.id);
    if (!match) throw new BufferOptionError('migrations[].id', 'must look like "<namespace>-<number>[-<words>]", e.g. "registry-002-rules"', m.id);
    if (ids.has(m.id)) throw new BufferOptionError('migrations[].id', 'must be unique', m.id);
    ids.add(m.id);
    const namespace = match[1]!;
    const n = Number(match[2]);
    const list = byNamespace.get(namespace) ?? [];
    if (list.some((x) => x.n === n)) throw new BufferOptionError('migrations[].id', `number ${n} is used twice in namespace "${namespace}"`, m.id);
    list.push({ n, m });
    byNamespace.set(namespace, list);
  }
  return [...byNamespace.values()].flatMap((list) => list.sort((a, b) => a.n - b.n).map((x) => x.m));
}

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/** Applies the steps not yet recorded; returns the ids it applied (empty when current). */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], opts: { nowMs: number; logger: BufferLogger }): string[] {
  const ordered = orderMigrations(migrations);
  let current = '(schema_migrations)';
  const run = db.transaction((): string[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id            TEXT PRIMARY KEY,
      checksum      TEXT NOT NULL,
      applied_at_ms INTEGER NOT NULL
    ) STRICT`);
    // Read inside the write transaction: another process may have migrated meanwhile.
    const done = new Map(
      (db.prepare('SELECT id, checksum FROM schema_migrations').all() as { id: string; checksum: string }[]).map((r) => [r.id, r.checksum]),
    );
    const insert = db.prepare('INSERT INTO schema_migrations (id, checksum, applied_at_ms) VALUES (?, ?, ?)');
    const applied: string[] = [];
    for (const m of ordered) {
      const sum = checksum(m.sql);
      const recorded = done.get(m.id);
      if (recorded !== undefined) {
        // Editing a shipped step does nothing on databases that already ran it.
        if (recorded !== sum) opts.logger.warn({ migration: m.id }, 'an applied schema migration was edited since; the edit is not applied');
        continue;
      }
      current = m.id;
      db.exec(m.sql);
      insert.run(m.id, sum, opts.nowMs);
      applied.push(m.id);
    }
    const known = new Set(ordered.map((m) => m.id));
    const unknown = [...done.keys()].filter((id) => !known.has(id));
    if (unknown.length > 0) opts.logger.warn({ migrations: unknown }, 'the database has schema migrations this build does not know (was a newer gateway run on it?)');
    return applied;
  });
  try {
    const applied = run.immediate();
    if (applied.length > 0) opts.logger.info({ migrations: applied }, 'schema migrations applied');
    return applied;
  } catch (err) {
    throw new BufferMigrationError(current, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
