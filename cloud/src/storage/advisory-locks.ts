/**
 * Advisory lock keys, in one place so two jobs never pick the same key by accident.
 * They use the two-int form `pg_advisory_xact_lock(namespace, key)`; the namespace is
 * "WLNK" in ASCII, so other applications sharing the database do not collide with us.
 * Transaction-scoped locks release themselves on commit, rollback or a lost connection.
 */
export const ADVISORY_NAMESPACE = 0x574c4e4b;

export const AdvisoryLock = {
  /** Schema migrations: one migrator at a time across every cloud instance. */
  MIGRATIONS: 1,
  /** Creating (and, for the lifecycle jobs, detaching or dropping) vital_data partitions. */
  PARTITIONS: 2,
  /** The lifecycle jobs, held as session locks (pg_try_advisory_lock) for a whole run:
   * retention/archive, purge, and partition maintenance. MAINTENANCE is not PARTITIONS:
   * maintenance calls ensurePartitions, which takes PARTITIONS in its own transaction and
   * would wait on the maintenance session itself. */
  RETENTION: 3,
  PURGE: 4,
  MAINTENANCE: 5,
  /** The compaction job (lifecycle/compaction): one instance moves rows into blocks. */
  COMPACTION: 6,
} as const;
export type AdvisoryLockKey = (typeof AdvisoryLock)[keyof typeof AdvisoryLock];

/** SQL that takes the lock for the rest of the current transaction, waiting if needed. */
export function advisoryXactLockSql(key: AdvisoryLockKey): string {
  return `SELECT pg_advisory_xact_lock(${ADVISORY_NAMESPACE}, ${key})`;
}
