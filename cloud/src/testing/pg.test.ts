import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { citusCluster, citusSwitchOn } from './citus-cluster.js';
import { createTestDatabase, testServerUrl, useTestDatabase } from './pg.js';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: await testServerUrl() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL test harness', () => {
  const db = useTestDatabase({ migrate: false });

  it('hands the file its own empty database', async () => {
    const res = await db.pool.query<{ name: string; tables: string }>(
      "SELECT current_database() AS name, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables",
    );
    expect(res.rows[0]!.name).toBe(db.name);
    expect(db.name).toMatch(/^wl_test_[0-9a-f]{12}$/);
    expect(Number(res.rows[0]!.tables)).toBe(0);
  });

  it('uses the Citus coordinator under WARDLINK_TEST_CITUS, else DATABASE_URL when set, else an embedded PostgreSQL of this worker', async () => {
    const version = (await db.pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v;
    if (citusSwitchOn()) {
      const cluster = await citusCluster();
      expect(await testServerUrl()).toBe(cluster.urlOf(cluster.coordinatorPort));
      const citus = await db.pool.query("SELECT extversion FROM pg_extension WHERE extname = 'citus'");
      expect(citus.rowCount).toBe(1);
    } else if (process.env.DATABASE_URL?.trim()) {
      expect(await testServerUrl()).toBe(process.env.DATABASE_URL.trim());
    } else {
      expect(Number(version)).toBeGreaterThanOrEqual(170000);
      expect(new URL(await testServerUrl()).hostname).toBe('127.0.0.1');
    }
  });

  it('creates migrated databases on request and drops them with open connections', async () => {
    const other = await createTestDatabase();
    const held = new pg.Client({ connectionString: other.connectionString });
    held.on('error', () => undefined);
    await held.connect(); // drop() must terminate it
    const tables = await other.pool.query("SELECT to_regclass('vital_data') IS NOT NULL AS present");
    expect(tables.rows[0].present).toBe(true);
    expect(await databaseExists(other.name)).toBe(true);
    await other.drop();
    expect(await databaseExists(other.name)).toBe(false);
    await held.end().catch(() => undefined);
  });
});
