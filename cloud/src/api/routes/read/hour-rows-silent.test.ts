/**
 * The history's readings over a real cursor (hourRowsSource over cursorSource, as the
 * route reads them) when the database host goes silent without closing the socket
 * (powered off, a firewall dropping packets) while the batch read ahead is under way: a
 * client that leaves must not hold the request and its connection until TCP gives up. A
 * TCP proxy in front of a real PostgreSQL plays the host: when told, it forwards nothing
 * more either way and closes nothing.
 */
import pg from 'pg';
import { QualityFlag } from '@wardlink/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { startSilentProxy, type SilentProxy } from '../../../testing/silent-proxy.js';
import type { HourRow } from './history-sql.js';
import { historyBatchRows, hourRowsSource, READ_CLOSE_TIMEOUT_MS } from './hour-rows.js';
import { cursorSource, INT8_AS_NUMBER } from './row-source.js';

const db = useTestDatabase({ migrate: false });
let proxy: SilentProxy;
/** A pool of one connection through the proxy, each test its own. */
let pool: pg.Pool;

beforeAll(async () => {
  proxy = await startSilentProxy(db.connectionString);
});

beforeEach(() => {
  pool = new pg.Pool({ connectionString: proxy.url, max: 1, connectionTimeoutMillis: 1_000 });
  pool.on('error', () => undefined);
});

afterEach(async () => {
  proxy.silent = false;
  // Ends whatever a failed test left waiting on the silent connection.
  proxy.destroyConnections();
  await pool.end().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
});

/** HISTORY_STREAM_SQL's columns: an hour's rows of vital_data a row, 100 readings each.
 * The first nextRuns() reads 8 rows, then 25 (historyBatchRows: ~2,500 readings), and
 * gives out the 7 complete hours; the read it leaves ahead, from row 8, sleeps 1 s on the
 * server first, so it is still under way when the host goes silent, and its answer is
 * never delivered. */
const ROWS_SQL = `
SELECT (g + 1)::int AS hour, true AS plain, g::int8 * 3600000000 AS t_us, 100::int4 AS n,
  NULL::int4 AS t_unit_us, NULL::int4 AS v_scale, NULL::int4 AS lag_unit_us,
  (SELECT string_agg((i * 1000000)::text, ',') FROM generate_series(0, 99) i) AS dt, NULL::text AS dv,
  (SELECT string_agg((i % 50)::text, ',') FROM generate_series(0, 99) i) || CASE WHEN g = 8 THEN (SELECT '' FROM pg_sleep(1)) ELSE '' END AS vr,
  (SELECT string_agg('0', ',') FROM generate_series(0, 99) i) AS fl, NULL::text AS lag
FROM generate_series(0, 1000) g`;
const RANGE = { from: new Date(0), to: new Date(1e12), suspectBit: QualityFlag.CLOCK_SUSPECT };

/** The history's readings as the route opens them, with one batch given out and the read
 * ahead under way when the host goes silent. */
async function readingsLeftOnSilentHost() {
  const readings = hourRowsSource(await cursorSource<HourRow>(pool, ROWS_SQL, [], { types: INT8_AS_NUMBER, batchRows: 8, nextBatchRows: historyBatchRows }), RANGE);
  const runs = await readings.nextRuns();
  expect(runs.map((r) => r.length)).toEqual(Array.from({ length: 7 }, () => 100));
  proxy.silent = true;
  return readings;
}

/** How `closing` ended within 8 s, and after how long. */
async function timed(closing: Promise<void>): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    closing.then(() => 'closed'),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting after 8 s'), 8_000))),
  ]);
  clearTimeout(timer);
  return { outcome, ms: Date.now() - started };
}

describe('history readings on a database host that goes silent during the read ahead', () => {
  it('give the connection up within the close timeout when the client leaves, freeing the pool slot', async () => {
    const readings = await readingsLeftOnSilentHost();
    const { outcome, ms } = await timed(readings.close());
    expect(outcome).toBe('closed'); // before: waited for the read ahead until TCP gave up
    expect(ms).toBeGreaterThanOrEqual(READ_CLOSE_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(READ_CLOSE_TIMEOUT_MS + 1_000);
    expect(pool.totalCount).toBe(0); // destroyed, not handed to the next request
    proxy.silent = false;
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  }, 20_000);

  it('give the connection up at once after a failure', async () => {
    const readings = await readingsLeftOnSilentHost();
    const failure = new Error('the client connection was reset');
    const { outcome, ms } = await timed(readings.close(failure));
    expect(outcome).toBe('closed');
    expect(ms).toBeLessThan(500);
    expect(pool.totalCount).toBe(0);
    proxy.silent = false;
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  }, 20_000);
});
