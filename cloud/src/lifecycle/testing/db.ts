/**
 * A test database with the lifecycle schema. Migration 004 is applied by the migrator
 * once it is listed in migrations/index.ts; until then (it must follow 004, owned by
 * another change) this applies its SQL directly, so the lifecycle tests run either way.
 */
import { lifecycle } from '../../storage/migrations/004-lifecycle.js';
import { MIGRATIONS } from '../../storage/migrations/index.js';
import { createTestDatabase, useTestDatabase, type TestDatabase, type TestDatabaseOptions } from '../../testing/pg.js';
import { beforeAll } from 'vitest';

async function ensureLifecycleSchema(db: TestDatabase): Promise<void> {
  if (MIGRATIONS.some((m) => m.version === lifecycle.version && m.name === lifecycle.name)) return;
  const res = await db.pool.query<{ present: boolean }>("SELECT to_regclass('archive_jobs') IS NOT NULL AS present");
  if (!res.rows[0]!.present) await db.pool.query(lifecycle.sql);
}

/** Like useTestDatabase(), with the lifecycle tables present. */
export function useLifecycleDatabase(options: TestDatabaseOptions = {}): TestDatabase {
  const db = useTestDatabase(options);
  beforeAll(async () => ensureLifecycleSchema(db));
  return db;
}

/** Like createTestDatabase(), with the lifecycle tables present. */
export async function createLifecycleDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(options);
  await ensureLifecycleSchema(db);
  return db;
}
