/**
 * Compressing the job's full-page images in the WAL.
 *
 * A unit's `DELETE` modifies heap pages of a closed hour; the first modification of a
 * page after a checkpoint writes the whole 8 KB page to the WAL. Rows interleave across
 * patients, so the first units of an hour write an image of every heap page of it:
 * measured on the `--quick` ward (849,210 readings, PostgreSQL 15), 140 MB of WAL to
 * delete them all, 17.9 MB for the first patient alone, and ingest's commits wait behind
 * that WAL (`LWLock:WALWrite`, `IO:WALSync`). Those pages hold the same few texts over
 * and over, so they compress well:
 *
 * | `wal_compression` | WAL of the deletes | first patient | backend CPU |
 * | --- | --- | --- | --- |
 * | off | 140 MB | 17.9 MB | 0.65 to 0.69 s |
 * | lz4 | 64 MB | 5.1 MB | 0.68 s |
 * | pglz | 62 MB | 4.8 MB | 1.06 to 1.08 s (+0.47 µs per reading) |
 *
 * So each unit's transaction sets it, when the server has it at its built-in default
 * (`off`, nothing set in postgresql.conf, for the database or the role): lz4 (else zstd,
 * same kind of cost) when the server was built with it (Debian's and the PGDG packages
 * are). Not pglz: its +0.47 µs per reading is ~15% of the job's PostgreSQL CPU, so a
 * server with only pglz (the embedded test build) is left as it is, and an operator may
 * choose it (`ALTER DATABASE ... SET wal_compression = pglz`). A value set anywhere,
 * `off` included, is the operator's and is kept.
 * It may be set by a superuser or a role granted `SET` on it (PostgreSQL 15+: `GRANT SET
 * ON PARAMETER wal_compression TO wardlink`); without that the job runs without it and
 * says so once per process.
 *
 * In `pnpm bench compaction --quick` the job's WAL fell from ~165 to ~75 B per reading;
 * the live load's stall did not measurably move on the shared test machine, where CPU
 * contention, not the WAL, made it (docs/lifecycle.md, "Ingest is never blocked").
 */
import type pg from 'pg';
import { connectClient } from '../../storage/pool.js';
import type { Logger } from '../../storage/logger.js';

/** The methods, best first: lz4 costs no measurable CPU, zstd is of its kind. */
const METHODS = ['lz4', 'zstd'] as const;
export type WalCompressionMethod = (typeof METHODS)[number];

let reportedUnavailable = false;

/**
 * The method a unit sets to compress its page images, or null when the operator chose a
 * setting (kept) or this role may not set it (logged once per process).
 */
export async function walCompressionMethod(pool: pg.Pool, logger: Logger): Promise<WalCompressionMethod | null> {
  const client = await connectClient(pool);
  let broken: Error | undefined;
  try {
    const res = await client.query<{ setting: string; source: string; vartype: string; enumvals: string[] | null }>(
      "SELECT setting, source, vartype, enumvals FROM pg_settings WHERE name = 'wal_compression'",
    );
    const row = res.rows[0];
    if (row === undefined || row.source !== 'default') return null;
    const method = METHODS.find((m) => row.enumvals?.includes(m));
    if (method === undefined) return null; // a build without lz4 or zstd (or before PostgreSQL 15)
    try {
      await client.query('BEGIN');
      await client.query(walCompressionSetting(method));
      return method;
    } catch (err) {
      return unavailable(logger, { err, method });
    } finally {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    }
  } finally {
    client.release(broken);
  }
}

function unavailable(logger: Logger, detail: Record<string, unknown>): null {
  if (!reportedUnavailable) {
    reportedUnavailable = true;
    logger.info(
      detail,
      'compaction runs without WAL compression of its page images (this role may not set wal_compression); ' +
        'a superuser can enable it for the database: ALTER DATABASE <db> SET wal_compression = lz4',
    );
  }
  return null;
}
/** The statement that sets `method` for the rest of a transaction. */
export function walCompressionSetting(method: WalCompressionMethod): string {
  return `SET LOCAL wal_compression = ${method}`;
}
