/**
 * One query on a pooled connection, given up after `timeoutMs`. A server that stops
 * answering without closing the connection (a host powered off, a firewall dropping
 * packets) leaves a query waiting for as long as TCP keeps the socket (hours with the
 * kernel's keepalive defaults); statement_timeout cannot help, it runs on that server.
 * On timeout the connection is destroyed rather than returned, so the pool does not
 * hand the dead socket to the next request, and the slot is free again.
 */
import type pg from 'pg';
import type { Clock } from '@wardlink/shared';

export class QueryTimeoutError extends Error {
  readonly code = 'WL_DB_QUERY_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`the server did not answer within ${timeoutMs} ms`);
  }
}

export async function queryWithin<R extends pg.QueryResultRow>(pool: pg.Pool, sql: string, timeoutMs: number, clock: Clock): Promise<pg.QueryResult<R>> {
  const client = await pool.connect(); // bounded by the pool's connectionTimeoutMillis
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new QueryTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    const res = await Promise.race([client.query<R>(sql), deadline]);
    client.release();
    return res;
  } catch (err) {
    // Destroys the connection: after a timeout it is dead or stuck; after an error, cheap.
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    timer?.cancel();
  }
}
