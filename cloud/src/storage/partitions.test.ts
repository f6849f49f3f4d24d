import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, PartitionError, type Clock } from '@wardlink/shared';
import { useTestDatabase } from '../testing/pg.js';
import {
  ensurePartitions,
  ensurePartitionsForRange,
  forgetKnownPartitions,
  listVitalPartitions,
  partitionName,
} from './partitions.js';

const db = useTestDatabase();

function pool(options: pg.PoolConfig = {}): pg.Pool {
  const p = new pg.Pool({ connectionString: db.connectionString, max: 2, ...options });
  p.on('error', () => undefined);
  return p;
}

/** Inserts one reading at `t` and answers the partition that holds it. (Found by looking,
 * not by RETURNING tableoid: Citus refuses non-IMMUTABLE expressions in RETURNING.) */
async function insertReading(client: pg.Pool | pg.PoolClient, t: string): Promise<string> {
  await client.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     VALUES ($1, $1, 1, 72, 147842, 0, 'h1', 'p1', 'gw1', 'dev1', 'b1')`,
    [t],
  );
  // The day before, of, and after t by partitionName: the row must sit in exactly one,
  // so a wrong bound (or a wrong name) shows as a different answer or none.
  const day = Date.parse(t);
  const candidates = [day - 86_400_000, day, day + 86_400_000].map((d) => partitionName(d));
  const holding: string[] = [];
  for (const name of candidates) {
    const exists = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [name]);
    if (!exists.rows[0]!.oid) continue;
    const res = await client.query(`SELECT 1 FROM "${name}" WHERE t = $1 AND hospital_id = 'h1' AND patient_id = 'p1'`, [t]);
    if (res.rowCount) holding.push(name);
  }
  if (holding.length !== 1) throw new Error(`the reading at ${t} is in ${holding.length} of the partitions ${candidates.join(', ')}`);
  return holding[0]!;
}

describe('ensurePartitions', () => {
  it('creates one partition per UTC day, named and bounded in UTC, and is idempotent', async () => {
    const first = await ensurePartitions(db.pool, { fromDay: '2030-01-30', toDay: '2030-02-01' });
    expect(first).toEqual({
      created: ['vital_data_p20300130', 'vital_data_p20300131', 'vital_data_p20300201'],
      blocksCreated: ['vital_blocks_p20300130', 'vital_blocks_p20300131', 'vital_blocks_p20300201'],
      existing: 0,
    });
    const blocks = await db.pool.query<{ relname: string; reloptions: string[] }>("SELECT relname, reloptions FROM pg_class WHERE relname = 'vital_blocks_p20300130'");
    expect(blocks.rows[0]!.reloptions).toEqual(['toast_tuple_target=128']);
    const again = await ensurePartitions(db.pool, { fromDay: new Date('2030-01-30T12:00:00Z'), toDay: Date.UTC(2030, 1, 1, 23, 59) });
    expect(again).toEqual({ created: [], existing: 3 });
    const parts = (await listVitalPartitions(db.pool)).filter((p) => p.name.startsWith('vital_data_p2030'));
    expect(parts.map((p) => [p.name, p.from.toISOString(), p.to.toISOString()])).toEqual([
      ['vital_data_p20300130', '2030-01-30T00:00:00.000Z', '2030-01-31T00:00:00.000Z'],
      ['vital_data_p20300131', '2030-01-31T00:00:00.000Z', '2030-02-01T00:00:00.000Z'],
      ['vital_data_p20300201', '2030-02-01T00:00:00.000Z', '2030-02-02T00:00:00.000Z'],
    ]);
    // The partition got the parent's primary key.
    const pk = await db.pool.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'vital_data_p20300131'");
    expect(pk.rows.map((r) => r.indexdef).join()).toMatch(/UNIQUE INDEX .* \(hospital_id, patient_id, metric, t, gateway_id, device_id\)/);
  });

  it('is safe when several instances create the same days at once', async () => {
    const pools = [pool(), pool(), pool(), pool()];
    try {
      const results = await Promise.all(pools.map((p) => ensurePartitions(p, { fromDay: '2031-03-01', toDay: '2031-03-10' })));
      const created = results.flatMap((r) => r.created);
      expect(created.length).toBe(10);
      expect(new Set(created).size).toBe(10);
      const parts = (await listVitalPartitions(db.pool)).filter((p) => p.name.startsWith('vital_data_p202103') || p.name.startsWith('vital_data_p203103'));
      expect(parts).toHaveLength(10);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('keeps bounds at UTC midnight across DST changes, whatever the session TimeZone', async () => {
    const berlin = pool({ options: '-c TimeZone=Europe/Berlin' });
    try {
      // Europe/Berlin leaves CET for CEST on 2024-03-31 and returns on 2024-10-27.
      await ensurePartitions(berlin, { fromDay: '2024-03-30', toDay: '2024-04-01' });
      await ensurePartitions(berlin, { fromDay: '2024-10-26', toDay: '2024-10-28' });
      const bound = await berlin.query<{ b: string }>(
        "SELECT pg_get_expr(relpartbound, oid) AS b FROM pg_class WHERE relname = 'vital_data_p20240331'",
      );
      // In Berlin time the day starts at 01:00 (+01) and ends at 02:00 (+02): UTC midnights.
      expect(bound.rows[0]!.b).toBe("FOR VALUES FROM ('2024-03-31 01:00:00+01') TO ('2024-04-01 02:00:00+02')");
      const cases: Array<[string, string]> = [
        ['2024-03-30T23:59:59.999Z', 'vital_data_p20240330'],
        ['2024-03-31T00:00:00.000Z', 'vital_data_p20240331'],
        ['2024-03-31T01:30:00.000Z', 'vital_data_p20240331'], // 03:30 CEST, just after the jump
        ['2024-03-31T23:59:59.999Z', 'vital_data_p20240331'],
        ['2024-10-27T00:30:00.000Z', 'vital_data_p20241027'], // 02:30 CEST, the repeated hour
        ['2024-10-27T01:30:00.000Z', 'vital_data_p20241027'], // 02:30 CET, the same wall time again
        ['2024-10-27T23:59:59.999Z', 'vital_data_p20241027'],
        ['2024-10-28T00:00:00.000Z', 'vital_data_p20241028'],
      ];
      for (const [t, expected] of cases) {
        expect(await insertReading(berlin, t), t).toBe(expected);
        expect(partitionName(new Date(t))).toBe(expected);
      }
    } finally {
      await berlin.end();
    }
  });

  it('refuses to attach over a detached table of the same name (an archive in progress)', async () => {
    await ensurePartitions(db.pool, { fromDay: '2032-05-05', toDay: '2032-05-05' });
    await db.pool.query('ALTER TABLE vital_data DETACH PARTITION vital_data_p20320505');
    const err = await ensurePartitions(db.pool, { fromDay: '2032-05-05', toDay: '2032-05-05' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartitionError);
    expect((err as PartitionError).code).toBe('WL_PARTITION_FAILED');
    expect((err as PartitionError).message).toMatch(/not attached.*archive/);
  });

  it('skips a partition someone made by hand meanwhile, outside the advisory lock, and makes the rest', async () => {
    // An operator's uncommitted CREATE + ATTACH of the middle day: the batched attempt's
    // CREATE waits for it, then clashes (42P07); the careful attempt sees it attached.
    const operator = await db.pool.connect();
    try {
      await operator.query('BEGIN');
      await operator.query('CREATE TABLE vital_data_p20360302 (LIKE vital_data INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)');
      await operator.query("ALTER TABLE vital_data ATTACH PARTITION vital_data_p20360302 FOR VALUES FROM ('2036-03-02 00:00+00') TO ('2036-03-03 00:00+00')");
      const making = ensurePartitions(db.pool, { fromDay: '2036-03-01', toDay: '2036-03-03' }, { lockTimeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      await operator.query('COMMIT');
      const res = await making;
      expect(res.created).toEqual(['vital_data_p20360301', 'vital_data_p20360303']);
      expect(res.blocksCreated).toEqual(['vital_blocks_p20360301', 'vital_blocks_p20360302', 'vital_blocks_p20360303']);
      const parts = (await listVitalPartitions(db.pool)).filter((p) => p.name.startsWith('vital_data_p203603'));
      expect(parts.map((p) => p.name)).toEqual(['vital_data_p20360301', 'vital_data_p20360302', 'vital_data_p20360303']);
    } finally {
      await operator.query('ROLLBACK').catch(() => undefined);
      operator.release();
    }
  });

  it('refuses an absurd range instead of creating years of partitions', async () => {
    await expect(ensurePartitions(db.pool, { fromDay: '2000-01-01', toDay: '2099-01-01' })).rejects.toBeInstanceOf(PartitionError);
  });

  it('does not wait for ingest: creates a partition while an insert transaction is open', async () => {
    await ensurePartitions(db.pool, { fromDay: '2033-01-01', toDay: '2033-01-01' });
    const writer = await db.pool.connect();
    try {
      await writer.query('BEGIN');
      await insertReading(writer, '2033-01-01T10:00:00Z'); // holds ROW EXCLUSIVE on vital_data
      await writer.query('SELECT count(*) FROM vital_data'); // and ACCESS SHARE
      const res = await ensurePartitions(db.pool, { fromDay: '2033-01-02', toDay: '2033-01-02' }, { lockTimeoutMs: 1_000 });
      expect(res.created).toEqual(['vital_data_p20330102']);
      await writer.query('COMMIT');
    } finally {
      // A failed step must not hand an aborted transaction to the next test.
      await writer.query('ROLLBACK').catch(() => undefined);
      writer.release();
    }
  });

  it('gives up after lock_timeout (WL_DB_UNAVAILABLE) instead of queueing behind a lock', async () => {
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE vital_data IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const err = await ensurePartitions(db.pool, { fromDay: '2034-01-01', toDay: '2034-01-01' }, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect((err as DatabaseUnavailableError).reason).toBe('lock-timeout');
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
  });
});

describe('ensurePartitionsForRange (the loader, before its COPY)', () => {
  it('creates the missing days, then answers from memory until the TTL passes', async () => {
    let now = Date.UTC(2035, 0, 1);
    const clock = { now: () => now } as Clock;
    const p = pool();
    let checkouts = 0;
    p.on('acquire', () => checkouts++);
    try {
      const first = await ensurePartitionsForRange(p, new Date('2035-06-01T23:00:00Z'), new Date('2035-06-02T01:00:00Z'), { clock });
      expect(first.created).toEqual(['vital_data_p20350601', 'vital_data_p20350602']);
      expect(await insertReading(p, '2035-06-02T00:30:00Z')).toBe('vital_data_p20350602');

      checkouts = 0;
      expect(await ensurePartitionsForRange(p, Date.parse('2035-06-01T05:00:00Z'), Date.parse('2035-06-02T05:00:00Z'), { clock })).toEqual({ created: [], existing: 2 });
      expect(checkouts).toBe(0);

      now += 61_000; // past the TTL: asks the database again (one lock-free look)
      await ensurePartitionsForRange(p, Date.parse('2035-06-01T05:00:00Z'), Date.parse('2035-06-01T06:00:00Z'), { clock });
      expect(checkouts).toBe(1);

      forgetKnownPartitions(p);
      await ensurePartitionsForRange(p, Date.parse('2035-06-01T05:00:00Z'), Date.parse('2035-06-01T06:00:00Z'), { clock });
      expect(checkouts).toBe(2);
    } finally {
      await p.end();
    }
  });
});
