import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, MigrationError, SchemaNotCurrentError } from '@wardlink/shared';
import { createTestLogger, silentLogger } from '../testing/logger.js';
import { createTestDatabase, type TestDatabase } from '../testing/pg.js';
import { freePort } from './embedded-support.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { assertSchemaCurrent, currentVersion, isUpToDate, latestVersion, migrate } from './migrator.js';

const created: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  created.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

describe('migrate', () => {
  it('applies every migration once, records it, and is a no-op the second time', async () => {
    const db = await freshDatabase();
    expect(await currentVersion(db.pool)).toBe(0);
    expect(await isUpToDate(db.pool)).toBe(false);
    await expect(assertSchemaCurrent(db.pool)).rejects.toBeInstanceOf(SchemaNotCurrentError);

    const log = createTestLogger();
    const first = await migrate(db.pool, { logger: log.logger });
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.currentVersion).toBe(latestVersion());
    expect(log.entries().filter((e) => e.msg === 'applied migration')).toHaveLength(MIGRATIONS.length);

    const second = await migrate(db.pool, { logger: silentLogger });
    expect(second.applied).toEqual([]);
    expect(await isUpToDate(db.pool)).toBe(true);
    await assertSchemaCurrent(db.pool);
    const rows = await db.pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('is safe when several instances migrate the same database at once', async () => {
    const db = await freshDatabase();
    // Separate pools, as separate cloud instances would have.
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: db.connectionString, max: 2 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, { logger: silentLogger })));
      const applied = results.flatMap((r) => r.applied).sort((a, b) => a - b);
      expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
      expect(results.every((r) => r.currentVersion === latestVersion())).toBe(true);
      const count = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(count.rows[0].n).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('rolls a failing migration back whole, keeps the earlier ones, and resumes once fixed', async () => {
    const db = await freshDatabase();
    const one: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE t_one (id text PRIMARY KEY)' };
    const broken: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE t_two (id text); SELECT 1/0;' };
    const err = await migrate(db.pool, { logger: silentLogger, migrations: [one, broken] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('WL_MIGRATION_FAILED');
    expect((err as MigrationError).detail).toMatchObject({ version: 2, name: 'two', pgCode: '22012' });
    expect(await currentVersion(db.pool)).toBe(1);
    const t2 = await db.pool.query("SELECT to_regclass('t_two') IS NULL AS absent");
    expect(t2.rows[0].absent).toBe(true);

    const fixed: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE t_two (id text)' };
    expect((await migrate(db.pool, { logger: silentLogger, migrations: [one, fixed] })).applied).toEqual([2]);
  });

  it('warns when a released migration was edited', async () => {
    const db = await freshDatabase();
    const v1: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE t_one (id text)' };
    await migrate(db.pool, { logger: silentLogger, migrations: [v1] });
    const log = createTestLogger();
    await migrate(db.pool, { logger: log.logger, migrations: [{ ...v1, sql: 'CREATE TABLE t_one (id int)' }] });
    expect(log.entries().some((e) => e.level === 40 && /edited/.test(String(e.msg)))).toBe(true);
  });

  it('refuses a migration list with a gap', async () => {
    const db = await freshDatabase();
    const list: Migration[] = [{ version: 2, name: 'x', sql: 'SELECT 1' }];
    await expect(migrate(db.pool, { logger: silentLogger, migrations: list })).rejects.toThrow(/expected version 1/);
  });

  it('reports an unreachable server as WL_DB_UNAVAILABLE', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x`, connectionTimeoutMillis: 2000 });
    try {
      const err = await migrate(pool, { logger: silentLogger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect((err as DatabaseUnavailableError).reason).toBe('connect-failed');
    } finally {
      await pool.end();
    }
  });
});

describe('the schema is Citus-ready', () => {
  // hospitals, wards, gateways and api_readers are small reference tables, replicated to
  // every node (token lookups need their global unique keys).
  // archive_jobs: one row per UTC day for every hospital (a day's partition holds them all).
  const REFERENCE_TABLES = ['hospitals', 'wards', 'gateways', 'api_readers', 'schema_migrations', 'archive_jobs', 'compaction_state', 'compaction_late_rows'];

  it('every primary key and unique index of a distributed table includes hospital_id', async () => {
    const db = await freshDatabase();
    await migrate(db.pool, { logger: silentLogger });
    const res = await db.pool.query<{ table: string; index: string; columns: string[] }>(`
      SELECT t.relname AS table, i.relname AS index,
             array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, pos)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.pos) AS columns
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary) AND NOT t.relispartition`);
    const distributed = res.rows.filter((r) => !REFERENCE_TABLES.includes(r.table));
    expect(distributed.map((r) => r.table)).toEqual(expect.arrayContaining(['vital_data', 'latest_vitals', 'alarm_events', 'batch_ledger', 'patients', 'devices', 'legal_holds']));
    for (const r of distributed) expect(r.columns, `${r.table}.${r.index}`).toContain('hospital_id');
    const vitalPk = res.rows.find((r) => r.index === 'vital_data_pkey');
    expect(vitalPk?.columns).toEqual(['hospital_id', 'patient_id', 'metric', 't', 'gateway_id', 'device_id']);
  });

  it('has no sequence or identity column, and no DEFAULT partition', async () => {
    const db = await freshDatabase();
    await migrate(db.pool, { logger: silentLogger });
    const seq = await db.pool.query("SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S'");
    const ident = await db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval%')");
    const dflt = await db.pool.query("SELECT count(*)::int AS n FROM pg_partitioned_table WHERE partrelid = 'vital_data'::regclass AND partdefid <> 0");
    expect([seq.rows[0].n, ident.rows[0].n, dflt.rows[0].n]).toEqual([0, 0, 0]);
  });
});
