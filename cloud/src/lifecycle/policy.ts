/**
 * Retention policy per hospital: hot_days (in PostgreSQL) and archive_years (in the
 * archive), stored on the hospitals row. Partitions hold every hospital's readings of a
 * day, so a day leaves the hot store when the longest hot period has passed for it:
 * a hospital with a shorter one keeps its data hot longer than asked, never shorter.
 * Archives are per hospital, so each one is purged on its own hospital's schedule.
 */
import type pg from 'pg';
import { NotFoundError, UsageError } from '@wardlink/shared';
import { withTransaction } from '../storage/pool.js';
import { recordAudit } from './audit.js';

export interface RetentionPolicy {
  hospitalId: string;
  hotDays: number;
  archiveYears: number;
}

export async function listPolicies(db: pg.Pool | pg.PoolClient): Promise<RetentionPolicy[]> {
  const res = await db.query<RetentionPolicy>('SELECT hospital_id AS "hospitalId", hot_days AS "hotDays", archive_years AS "archiveYears" FROM hospitals ORDER BY hospital_id');
  return res.rows;
}

/** The hot period partitions are kept for: the longest of any hospital, or the default when there is none. */
export async function effectiveHotDays(db: pg.Pool | pg.PoolClient, fallback: number): Promise<number> {
  const res = await db.query<{ days: number | null }>('SELECT max(hot_days) AS days FROM hospitals');
  return res.rows[0]!.days ?? fallback;
}

export interface PolicyChange {
  hospitalId: string;
  hotDays?: number;
  archiveYears?: number;
  actor: string;
  at: Date;
}

export async function setRetentionPolicy(pool: pg.Pool, change: PolicyChange): Promise<{ before: RetentionPolicy; after: RetentionPolicy }> {
  if (change.hotDays === undefined && change.archiveYears === undefined) throw new UsageError('give --hot-days and/or --archive-years');
  if (change.hotDays !== undefined && !(Number.isInteger(change.hotDays) && change.hotDays >= 1 && change.hotDays <= 3650)) {
    throw new UsageError('--hot-days must be an integer from 1 to 3650', { value: change.hotDays });
  }
  if (change.archiveYears !== undefined && !(Number.isInteger(change.archiveYears) && change.archiveYears >= 0 && change.archiveYears <= 100)) {
    throw new UsageError('--archive-years must be an integer from 0 to 100', { value: change.archiveYears });
  }
  return withTransaction(pool, async (client) => {
    const old = await client.query<RetentionPolicy>(
      'SELECT hospital_id AS "hospitalId", hot_days AS "hotDays", archive_years AS "archiveYears" FROM hospitals WHERE hospital_id = $1 FOR UPDATE',
      [change.hospitalId],
    );
    const before = old.rows[0];
    if (!before) throw new NotFoundError('hospital', change.hospitalId);
    const after: RetentionPolicy = { hospitalId: before.hospitalId, hotDays: change.hotDays ?? before.hotDays, archiveYears: change.archiveYears ?? before.archiveYears };
    await client.query('UPDATE hospitals SET hot_days = $2, archive_years = $3, updated_at = $4 WHERE hospital_id = $1', [
      change.hospitalId,
      after.hotDays,
      after.archiveYears,
      change.at,
    ]);
    await recordAudit(client, { hospitalId: change.hospitalId, at: change.at, action: 'retention-policy-set', subject: change.hospitalId, actor: change.actor, detail: { before, after } });
    return { before, after };
  });
}
