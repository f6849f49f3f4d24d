/**
 * The fhir_exports table (migration 011): kick-off inserts a job, the worker claims and
 * advances it a chunk at a time, the status route reads it, DELETE and the expiry
 * cleanup remove it. Every statement is one round trip; the worker's claim skips jobs
 * another instance holds (FOR UPDATE SKIP LOCKED) and takes over a job whose worker
 * stopped sending heartbeats (a crashed instance).
 */
import type pg from 'pg';
import { toDatabaseError } from '../../storage/db-errors.js';
import { TooManyExportsError } from '../fhir-errors.js';

export type ExportLevel = 'hospital' | 'patient';
export type ExportState = 'queued' | 'running' | 'done' | 'failed';

export interface ExportFile {
  name: string;
  type: 'Observation';
  count: number;
  bytes: number;
}

export interface ExportJob {
  jobId: string;
  hospitalId: string;
  readerId: string;
  level: ExportLevel;
  since: Date;
  until: Date;
  requestUrl: string;
  state: ExportState;
  progressTo: Date | null;
  files: ExportFile[];
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date;
}

const COLUMNS = `job_id AS "jobId", hospital_id AS "hospitalId", reader_id AS "readerId", level, since, until, request_url AS "requestUrl",
  state, progress_to AS "progressTo", files, error, created_at AS "createdAt", finished_at AS "finishedAt", expires_at AS "expiresAt"`;

async function run<T extends pg.QueryResultRow>(db: pg.Pool, sql: string, params: unknown[]): Promise<pg.QueryResult<T>> {
  return db.query<T>(sql, params).catch((err: unknown) => {
    throw toDatabaseError(err);
  });
}

export interface NewExport {
  jobId: string;
  hospitalId: string;
  readerId: string;
  level: ExportLevel;
  since: Date;
  until: Date;
  requestUrl: string;
  now: Date;
  expiresAt: Date;
}

/** Queues a job, unless the hospital already has `maxActive` queued or running (429). */
export async function createExport(db: pg.Pool, job: NewExport, maxActive: number): Promise<void> {
  const res = await run(
    db,
    `INSERT INTO fhir_exports (job_id, hospital_id, reader_id, level, since, until, request_url, state, created_at, expires_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9
     WHERE (SELECT count(*) FROM fhir_exports WHERE hospital_id = $2 AND state IN ('queued', 'running')) < $10`,
    [job.jobId, job.hospitalId, job.readerId, job.level, job.since, job.until, job.requestUrl, job.now, job.expiresAt, maxActive],
  );
  if (res.rowCount === 0) throw new TooManyExportsError(maxActive);
}

export async function findExport(db: pg.Pool, hospitalId: string, jobId: string): Promise<ExportJob | undefined> {
  const res = await run<ExportJob>(db, `SELECT ${COLUMNS} FROM fhir_exports WHERE hospital_id = $1 AND job_id = $2`, [hospitalId, jobId]);
  return res.rows[0];
}

/** Claims the oldest queued job, or a running one whose heartbeat is older than `staleBefore`. */
export async function claimExport(db: pg.Pool, now: Date, staleBefore: Date): Promise<ExportJob | undefined> {
  const res = await run<ExportJob>(
    db,
    `UPDATE fhir_exports SET state = 'running', claimed_at = $1
     WHERE job_id = (SELECT job_id FROM fhir_exports
                     WHERE state = 'queued' OR (state = 'running' AND claimed_at < $2)
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [now, staleBefore],
  );
  return res.rows[0];
}

/** Records a written chunk (and is the worker's heartbeat); false when the job was
 * deleted meanwhile, which cancels it. */
export async function recordProgress(db: pg.Pool, jobId: string, progressTo: Date, files: ExportFile[], now: Date): Promise<boolean> {
  const res = await run(db, `UPDATE fhir_exports SET progress_to = $2, files = $3, claimed_at = $4 WHERE job_id = $1 AND state = 'running'`, [
    jobId,
    progressTo,
    JSON.stringify(files),
    now,
  ]);
  return res.rowCount === 1;
}

export async function finishExport(db: pg.Pool, jobId: string, state: 'done' | 'failed', error: string | null, now: Date): Promise<void> {
  await run(db, `UPDATE fhir_exports SET state = $2, error = $3, finished_at = $4 WHERE job_id = $1`, [jobId, state, error, now]);
}

/** Deletes a job of the hospital; false when there is none. */
export async function deleteExport(db: pg.Pool, hospitalId: string, jobId: string): Promise<boolean> {
  const res = await run(db, `DELETE FROM fhir_exports WHERE hospital_id = $1 AND job_id = $2`, [hospitalId, jobId]);
  return res.rowCount === 1;
}

/** Deletes the jobs past their expiry; returns their ids (their folders are the caller's). */
export async function deleteExpiredExports(db: pg.Pool, now: Date): Promise<string[]> {
  const res = await run<{ job_id: string }>(db, `DELETE FROM fhir_exports WHERE expires_at <= $1 RETURNING job_id`, [now]);
  return res.rows.map((r) => r.job_id);
}

/** Every job id still in the table (the cleanup deletes folders of no job). */
export async function exportIds(db: pg.Pool): Promise<Set<string>> {
  const res = await run<{ job_id: string }>(db, `SELECT job_id FROM fhir_exports`, []);
  return new Set(res.rows.map((r) => r.job_id));
}

/** Hands a running job back to the queue (the instance stops; another, or the next
 * start, resumes it from its last chunk). */
export async function releaseExport(db: pg.Pool, jobId: string): Promise<void> {
  await run(db, `UPDATE fhir_exports SET state = 'queued', claimed_at = NULL WHERE job_id = $1 AND state = 'running'`, [jobId]);
}

/** The worker's heartbeat between chunks; false when the job was deleted (cancel it). */
export async function heartbeatExport(db: pg.Pool, jobId: string, now: Date): Promise<boolean> {
  const res = await run(db, `UPDATE fhir_exports SET claimed_at = $2 WHERE job_id = $1 AND state = 'running'`, [jobId, now]);
  return res.rowCount === 1;
}
