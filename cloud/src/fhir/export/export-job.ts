/**
 * Runs one bulk export: the job's range [since, until) a chunk at a time (a UTC day by
 * default; a chunk never spans two days, so each reads at most one archived day), every
 * admitted patient's readings of the chunk as Observations, one NDJSON line each, appended to the job's
 * files. After each chunk the files are synced and the chunk's end is recorded with
 * their sizes, which is the heartbeat, the progress the status route shows, and where a
 * resumed job starts. A job deleted meanwhile stops at its next chunk.
 */
import { mkdir } from 'node:fs/promises';
import type pg from 'pg';
import type { Clock } from '@wardlink/shared';
import type { ArchiveStore } from '../../lifecycle/store/archive-store.js';
import { metricUnitsOf } from '../../api/routes/read/metric-units.js';
import { locateDays } from '../../lifecycle/archive/day-locations.js';
import { toDatabaseError } from '../../storage/db-errors.js';
import { isoDate, utcDay } from '../../storage/utc-days.js';
import { fhirSources } from '../fhir-sources.js';
import { PATIENTS_OF_RANGE_SQL, type FhirQuery } from '../fhir-sql.js';
import { ObservationGrouper, type ObservationUnit } from '../grouping.js';
import { observationOf, type ObservationContext } from '../observation.js';
import { NdjsonFiles } from './ndjson-file.js';
import { recordProgress, type ExportJob } from './export-store.js';

export interface ExportJobDeps {
  /** Where readings are read (the replica pool). */
  pool: pg.Pool;
  /** Where the job's row is (the primary). */
  jobs: pg.Pool;
  archive?: ArchiveStore;
  clock: Clock;
  /** The job's folder. */
  dir: string;
  chunkMs: number;
  maxFileBytes: number;
}

export type ExportOutcome = 'done' | 'cancelled' | 'stopped';

/** The end of the chunk starting at `from`: the next multiple of chunkMs (a divisor of a
 * day, so chunks align with UTC days), at most `until`. */
export function chunkEnd(from: Date, until: Date, chunkMs: number): Date {
  const next = (Math.floor(from.getTime() / chunkMs) + 1) * chunkMs;
  return new Date(Math.min(next, until.getTime()));
}

/** Why a job stops before its end: the instance stops (`stop`), or the job was deleted (`cancel`). */
export interface ExportSignals {
  stop: AbortSignal;
  cancel: AbortSignal;
}

export async function runExport(deps: ExportJobDeps, job: ExportJob, signals: ExportSignals): Promise<ExportOutcome> {
  await mkdir(deps.dir, { recursive: true });
  const files = new NdjsonFiles(deps.dir, job.files.map((f) => ({ ...f })), deps.maxFileBytes);
  await files.resume();
  let from = job.progressTo ?? job.since;
  try {
    while (from < job.until) {
      const to = chunkEnd(from, job.until, deps.chunkMs);
      await exportChunk(deps, job.hospitalId, from, to, files, signals);
      if (signals.cancel.aborted) return 'cancelled';
      if (signals.stop.aborted) return 'stopped'; // the unfinished chunk is written again on resume
      await files.sync();
      if (!(await recordProgress(deps.jobs, job.jobId, to, files.files, new Date(deps.clock.now())))) return 'cancelled';
      from = to;
    }
    return 'done';
  } finally {
    await files.close();
  }
}

/**
 * One chunk (within one UTC day). A day only in the attached partitions is read one
 * patient at a time (an index range each; one statement sorting a hospital's day would
 * outlast the statement timeout). A day with archived objects or detached partitions is
 * read hospital-wide: DuckDB sorts the archived day, as the history reads it.
 */
async function exportChunk(deps: ExportJobDeps, hospitalId: string, from: Date, to: Date, files: NdjsonFiles, signals: ExportSignals): Promise<void> {
  const ctx: ObservationContext = { hospitalId, units: await metricUnitsOf(deps.pool, deps.clock).allOf(hospitalId) };
  const day = isoDate(utcDay(from));
  const cold = (await locateDays(deps.pool, { hospitalId, fromDay: day, toDay: day })).some((l) => l.objects.length > 0 || l.detachedTables.length > 0);
  if (cold) {
    await exportPlan(deps, { hospitalId, from, to }, ctx, files, signals);
    return;
  }
  const patients = await deps.pool.query<{ patient_id: string }>(PATIENTS_OF_RANGE_SQL, [hospitalId, from, to]).catch((err: unknown) => {
    throw toDatabaseError(err);
  });
  for (const { patient_id: patientId } of patients.rows) {
    if (signals.stop.aborted || signals.cancel.aborted) return;
    await exportPlan(deps, { hospitalId, patientId, from, to }, ctx, files, signals);
  }
}

async function exportPlan(deps: ExportJobDeps, q: FhirQuery, ctx: ObservationContext, files: NdjsonFiles, signals: ExportSignals): Promise<void> {
  const plan = await fhirSources(deps, q);
  const grouper = new ObservationGrouper();
  const write = async (units: ObservationUnit[]) => {
    for (const u of units) await files.add(`${JSON.stringify(observationOf(u, ctx))}\n`);
  };
  let failure: unknown;
  try {
    for (let rows = await plan.source.next(); rows.length > 0; rows = await plan.source.next()) {
      if (signals.stop.aborted || signals.cancel.aborted) return;
      await write(grouper.push(rows));
    }
    await write(grouper.flush());
    await plan.check();
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    await plan.source.close(failure);
  }
}
