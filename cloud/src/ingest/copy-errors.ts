/**
 * The two failures of a load transaction that the loader recovers from (loader.ts), told
 * apart on PostgreSQL and on Citus.
 *
 * PostgreSQL reports them by SQLSTATE: 23505 unique_violation (readings stored before)
 * and 23514 check_violation (no partition for a row). A COPY through a Citus coordinator
 * reports a shard's error with PostgreSQL's message and detail but SQLSTATE XX000
 * (internal_error, multi_copy.c ReportCopyError), so there the message decides: only an
 * XX000 whose message is exactly PostgreSQL's wording for that failure counts, so any
 * other internal error still fails the batch. (This relies on the server's messages being
 * in English, lc_messages C or en, as Citus's own tests do.)
 */

export type RecoverableLoadError = 'readings-stored-before' | 'partition-missing';

const CITUS_COPY_ERROR = 'XX000';
const UNIQUE_VIOLATION = /^duplicate key value violates unique constraint "[^"]+"$/;
const UNIQUE_DETAIL = /^Key \(.+\)=\(.+\) already exists\.$/s;
const NO_PARTITION = /^no partition of relation "[^"]+" found for row$/;
const NO_PARTITION_DETAIL = /^Partition key of the failing row contains /;

export function recoverableLoadError(err: unknown): RecoverableLoadError | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const { code, message, detail } = err as { code?: unknown; message?: unknown; detail?: unknown };
  if (code === '23505') return 'readings-stored-before';
  if (code === '23514') return 'partition-missing';
  if (code !== CITUS_COPY_ERROR || typeof message !== 'string' || typeof detail !== 'string') return undefined;
  if (UNIQUE_VIOLATION.test(message) && UNIQUE_DETAIL.test(detail)) return 'readings-stored-before';
  if (NO_PARTITION.test(message) && NO_PARTITION_DETAIL.test(detail)) return 'partition-missing';
  return undefined;
}
