import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/pg.js';
import { PipelinedCopy } from './copy-pipelined.js';

const db = useTestDatabase({ migrate: false });

/** Text COPY data for `wl_pipe (n int PRIMARY KEY, s text)`: rows from..to-1. */
function rows(from: number, to: number, pad = ''): Buffer {
  let text = '';
  for (let n = from; n < to; n++) text += `${n}\trow ${n}${pad}\n`;
  return Buffer.from(text, 'utf8');
}

async function withTable<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('CREATE TEMP TABLE wl_pipe (n int PRIMARY KEY, s text NOT NULL)');
    return await fn(client);
  } finally {
    client.release(true); // the temp table goes with the session
  }
}

describe('PipelinedCopy (statement, rows and end in one write)', () => {
  it('stores every row and reports their number, for data of a few bytes and of many megabytes', async () => {
    await withTable(async (client) => {
      expect(await client.query(new PipelinedCopy('COPY wl_pipe (n, s) FROM STDIN', rows(0, 3))).done).toBe(3);
      // ~9 MB: far more than a socket buffer (the write completes while PostgreSQL reads),
      // and ~36 CopyData messages of 256 KiB.
      const big = rows(3, 100_003, 'x'.repeat(80));
      expect(big.length).toBeGreaterThan(8_000_000);
      expect(await client.query(new PipelinedCopy('COPY wl_pipe (n, s) FROM STDIN', big)).done).toBe(100_000);
      const res = await client.query<{ n: string; last: string }>('SELECT count(*) AS n, max(s) FILTER (WHERE n = 100002) AS last FROM wl_pipe');
      expect(res.rows[0]).toEqual({ n: '100003', last: `row 100002${'x'.repeat(80)}` });
    });
  });

  it('rejects with PostgreSQL error when the rows fail, and the session then answers the next query', async () => {
    await withTable(async (client) => {
      await client.query(new PipelinedCopy('COPY wl_pipe (n, s) FROM STDIN', rows(0, 10))).done;
      // A key conflict, found during the copy: the data after it is discarded by PostgreSQL.
      await expect(client.query(new PipelinedCopy('COPY wl_pipe (n, s) FROM STDIN', rows(5, 50_000))).done).rejects.toMatchObject({ code: '23505' });
      expect((await client.query('SELECT count(*)::int AS n FROM wl_pipe')).rows[0]).toEqual({ n: 10 });
    });
  });

  it('rejects when the statement fails before the copy starts (the rows sent ahead are ignored), in a transaction too', async () => {
    await withTable(async (client) => {
      await expect(client.query(new PipelinedCopy('COPY wl_missing (n, s) FROM STDIN', rows(0, 1000))).done).rejects.toMatchObject({ code: '42P01' });
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.query('BEGIN');
      await expect(client.query(new PipelinedCopy('COPY wl_pipe (n, s, nope) FROM STDIN', rows(0, 10))).done).rejects.toMatchObject({ code: '42703' });
      expect((await client.query('ROLLBACK')).command).toBe('ROLLBACK');
      expect(await client.query(new PipelinedCopy('COPY wl_pipe (n, s) FROM STDIN', rows(0, 2))).done).toBe(2);
    });
  });
});
