import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../testing/pg.js';
import { walCompressionMethod, walCompressionSetting } from './wal-compression.js';

/** A logger that keeps what it was told (info only is expected here). */
function recordingLogger() {
  const lines: string[] = [];
  const keep = (_obj: unknown, msg?: string) => void lines.push(msg ?? '');
  return { lines, logger: { debug: keep, info: keep, warn: keep, error: keep } };
}

async function bestMethodOf(pool: pg.Pool): Promise<string | null> {
  const res = await pool.query<{ enumvals: string[] | null }>("SELECT enumvals FROM pg_settings WHERE name = 'wal_compression'");
  const vals = res.rows[0]?.enumvals ?? [];
  return ['lz4', 'zstd'].find((m) => vals.includes(m)) ?? null;
}

/**
 * WAL written by deleting one patient's rows, one in 20 on every page, after a
 * checkpoint: as a unit's first DELETE of an hour does, it is mostly full-page images.
 */
async function walOfDeleteAfterCheckpoint(client: pg.PoolClient, setting: string | null): Promise<number> {
  await client.query('DROP TABLE IF EXISTS fpi_probe');
  await client.query(
    "CREATE TABLE fpi_probe AS SELECT g AS id, 'h-bench' AS hospital_id, 'P' || (g % 20) AS patient_id, 'gw-01' AS gateway_id, 'mon-bed-01' AS device_id FROM generate_series(1, 20000) g",
  );
  await client.query('CHECKPOINT');
  await client.query('BEGIN');
  if (setting !== null) await client.query(setting);
  const before = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  await client.query("DELETE FROM fpi_probe WHERE patient_id = 'P7'");
  const after = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1)::bigint::text AS bytes', [before.rows[0]!.lsn]);
  await client.query('COMMIT');
  return Number(after.rows[0]!.bytes);
}

describe('WAL compression of the job\'s page images', () => {
  const db = useTestDatabase({ migrate: false });
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('uses lz4 (else zstd, else nothing), and then the first DELETE after a checkpoint writes far less WAL', async () => {
    const { logger } = recordingLogger();
    const method = await walCompressionMethod(db.pool, logger);
    expect(method).toBe(await bestMethodOf(db.pool));
    // The tests' own embedded cluster runs with full_page_writes = off: no page images to compress.
    const fpw = await db.pool.query<{ full_page_writes: string }>('SHOW full_page_writes');
    if (method === null || fpw.rows[0]!.full_page_writes === 'off') return;
    const client = await db.pool.connect();
    try {
      const plain = await walOfDeleteAfterCheckpoint(client, null);
      const compressed = await walOfDeleteAfterCheckpoint(client, walCompressionSetting(method));
      expect(compressed).toBeLessThan(plain / 2);
    } finally {
      await client.query('DROP TABLE IF EXISTS fpi_probe');
      client.release();
    }
  });

  it.each(['pglz', 'off'])('keeps a setting the operator made (%s for the database)', async (setting) => {
    await db.pool.query(`ALTER DATABASE ${db.name} SET wal_compression = ${setting}`);
    cleanups.push(async () => void (await db.pool.query(`ALTER DATABASE ${db.name} RESET wal_compression`)));
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
    cleanups.push(() => pool.end());
    expect(await walCompressionMethod(pool, recordingLogger().logger)).toBeNull();
  });

  it('runs without it when the role may not set it, and says so once', async (ctx) => {
    // A server built without lz4 and zstd (the embedded test build) offers nothing to set:
    // the job leaves it alone before any permission matters.
    if ((await bestMethodOf(db.pool)) === null) {
      console.log('SKIPPED wal-compression permission test: this PostgreSQL has neither lz4 nor zstd (set DATABASE_URL to a Debian/PGDG server to run it)');
      ctx.skip();
    }
    const role = `wl_nosuper_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'wardlink-test'`);
    cleanups.push(async () => void (await db.pool.query(`DROP ROLE IF EXISTS ${role}`)));
    const url = new URL(db.connectionString);
    url.username = role;
    url.password = 'wardlink-test';
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    cleanups.push(() => pool.end());
    const { lines, logger } = recordingLogger();
    expect(await walCompressionMethod(pool, logger)).toBeNull();
    expect(await walCompressionMethod(pool, logger)).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('may not set wal_compression');
    // The probe's transaction was rolled back: the connection is usable.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});
