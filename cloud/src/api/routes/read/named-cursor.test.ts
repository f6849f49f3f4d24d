/** cursorSource with a statement name: prepared once per connection on real PostgreSQL,
 * then only bound and executed, with the same rows every time. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { cursorSource, INT8_AS_NUMBER, type RowSource } from './row-source.js';

const db = useTestDatabase();
let pool: pg.Pool;
const SQL = 'SELECT i::int8 AS n, $2::text AS tag FROM generate_series(1, $1::int) i ORDER BY i';

/** Every row, then closes the source (as streamSource does, with the failure if any). */
async function drain<T>(source: RowSource<T>): Promise<T[]> {
  const all: T[] = [];
  try {
    for (let rows = await source.next(); rows.length > 0; rows = await source.next()) all.push(...rows);
  } catch (err) {
    await source.close(err);
    throw err;
  }
  await source.close();
  return all;
}
/** The statements prepared on the pool's one connection, and how often each ran. */
const prepared = async () => (await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);

beforeAll(() => {
  pool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
});
afterAll(async () => {
  await pool?.end();
});

describe('cursorSource with a statement name', () => {
  it('prepares the statement once on the connection and answers every run alike', async () => {
    expect(await prepared()).toEqual([]);
    const first = await drain(await cursorSource<{ n: number; tag: string }>(pool, SQL, [2_500, 'a'], { name: 'wl_test_numbers', types: INT8_AS_NUMBER, batchRows: 1_000 }));
    expect(first).toHaveLength(2_500);
    expect(first[2_499]).toEqual({ n: 2_500, tag: 'a' });
    expect(await prepared()).toEqual(['wl_test_numbers']);
    // Parsed again, this would fail: "prepared statement wl_test_numbers already exists".
    const second = await drain(await cursorSource<{ n: number; tag: string }>(pool, SQL, [3, 'b'], { name: 'wl_test_numbers', types: INT8_AS_NUMBER }));
    expect(second).toEqual([{ n: 1, tag: 'b' }, { n: 2, tag: 'b' }, { n: 3, tag: 'b' }]);
    expect(await prepared()).toEqual(['wl_test_numbers']);
  });

  it('prepares it again on the next connection after a failed one was discarded', async () => {
    await expect(cursorSource(pool, 'SELECT nonsense FROM', [], { name: 'wl_test_broken' }).then(drain)).rejects.toThrow();
    expect(await prepared()).toEqual([]); // the pool replaced the connection of the failure
    expect(await drain(await cursorSource<{ n: string }>(pool, SQL, [1, 'c'], { name: 'wl_test_numbers' }))).toEqual([{ n: '1', tag: 'c' }]);
    expect(await prepared()).toEqual(['wl_test_numbers']);
  });
});
