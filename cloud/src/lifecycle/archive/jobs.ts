/**
 * archive_jobs: one row per archive run of a partition, with its state. A state is
 * committed only after its step's work is done, so the row always tells where to
 * resume (docs/lifecycle.md, "States").
 */
import type pg from 'pg';
import { isoDate } from '../../storage/utc-days.js';

export const ARCHIVE_STATES = ['pending', 'detached', 'exported', 'stored', 'verified', 'dropped'] as const;
export type ArchiveState = (typeof ARCHIVE_STATES)[number];

export interface ArchiveJob {
  day: string;
  generation: number;
  partitionName: string;
  state: ArchiveState;
  rows: number | null;
  bytes: number | null;
  objects: number | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

// The day as days since 1970-01-01 (date - date is IMMUTABLE), made 'YYYY-MM-DD' here:
// Citus refuses to_char (STABLE) in the RETURNING of a statement on a reference table.
const COLUMNS = `day - DATE '1970-01-01' AS day, generation, partition_name AS "partitionName", state,
  rows::float8 AS rows, bytes::float8 AS bytes, objects, attempts, last_error AS "lastError",
  created_at AS "createdAt", updated_at AS "updatedAt", finished_at AS "finishedAt"`;

type JobRow = Omit<ArchiveJob, 'day'> & { day: number };

function jobOf(row: JobRow): ArchiveJob {
  return { ...row, day: isoDate(row.day) };
}

/** The unfinished job of a day, or a new one (generation after the last finished one). */
export async function openJob(pool: pg.Pool, day: string, partitionName: string, now: Date): Promise<ArchiveJob> {
  const open = await pool.query<JobRow>(`SELECT ${COLUMNS} FROM archive_jobs WHERE day = $1 AND state <> 'dropped'`, [day]);
  if (open.rows[0]) return jobOf(open.rows[0]);
  const res = await pool.query<JobRow>(
    `INSERT INTO archive_jobs (day, generation, partition_name, state, created_at, updated_at)
     SELECT $1, coalesce(max(generation), 0) + 1, $2, 'pending', $3, $3 FROM archive_jobs WHERE day = $1
     ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [day, partitionName, now],
  );
  if (res.rows[0]) return jobOf(res.rows[0]);
  // Another instance opened it between our two statements.
  return jobOf((await pool.query<JobRow>(`SELECT ${COLUMNS} FROM archive_jobs WHERE day = $1 AND state <> 'dropped'`, [day])).rows[0]!);
}

/** Unfinished jobs, oldest day first: resumed before new partitions are started. */
export async function unfinishedJobs(pool: pg.Pool): Promise<ArchiveJob[]> {
  return (await pool.query<JobRow>(`SELECT ${COLUMNS} FROM archive_jobs WHERE state <> 'dropped' ORDER BY day, generation`)).rows.map(jobOf);
}

export async function listJobs(pool: pg.Pool, limit = 1000): Promise<ArchiveJob[]> {
  return (await pool.query<JobRow>(`SELECT ${COLUMNS} FROM archive_jobs ORDER BY day DESC, generation DESC LIMIT $1`, [limit])).rows.map(jobOf);
}

/** Days that were archived and dropped: a partition for one of them holds late data. */
export async function droppedDays(pool: pg.Pool): Promise<Set<string>> {
  const res = await pool.query<{ day: string }>(`SELECT DISTINCT to_char(day, 'YYYY-MM-DD') AS day FROM archive_jobs WHERE state = 'dropped'`);
  return new Set(res.rows.map((r) => r.day));
}

export interface StatePatch {
  rows?: number;
  bytes?: number;
  objects?: number;
}

export async function commitState(db: pg.Pool | pg.PoolClient, job: ArchiveJob, state: ArchiveState, now: Date, patch: StatePatch = {}): Promise<ArchiveJob> {
  const res = await db.query<JobRow>(
    `UPDATE archive_jobs SET state = $3, updated_at = $4, last_error = NULL,
       rows = coalesce($5, rows), bytes = coalesce($6, bytes), objects = coalesce($7, objects),
       finished_at = CASE WHEN $3 = 'dropped' THEN $4 ELSE finished_at END
     WHERE day = $1 AND generation = $2 RETURNING ${COLUMNS}`,
    [job.day, job.generation, state, now, patch.rows ?? null, patch.bytes ?? null, patch.objects ?? null],
  );
  return jobOf(res.rows[0]!);
}

export async function recordFailure(pool: pg.Pool, job: ArchiveJob, err: unknown, now: Date, resetTo?: ArchiveState): Promise<void> {
  await pool.query(
    `UPDATE archive_jobs SET attempts = attempts + 1, last_error = $3, updated_at = $4, state = coalesce($5, state) WHERE day = $1 AND generation = $2`,
    [job.day, job.generation, String((err as Error)?.message ?? err).slice(0, 2000), now, resetTo ?? null],
  );
}
