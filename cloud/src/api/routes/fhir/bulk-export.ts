/**
 * FHIR Bulk Data export of a hospital's Observations, asynchronous:
 * - GET .../fhir/$export and .../fhir/Patient/$export with "Prefer: respond-async":
 *   202, Content-Location: the status URL (the job is queued for the service's worker);
 * - GET .../fhir/$export-status/:jobId: 202 with X-Progress while it runs, 200 with the
 *   manifest when done, the failure as an OperationOutcome (500) when it failed;
 * - DELETE .../fhir/$export-status/:jobId: cancels (or deletes a finished job), 202;
 * - GET .../fhir/$export-file/:jobId/:name: an output file, streamed from disk.
 * Every route takes a reader token of the hospital; a job is found only in its hospital.
 * Both levels export the same readings: those of admitted patients (an Observation
 * needs its subject), from `_since` to the kick-off time (the manifest's transactionTime).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AsyncRequiredError, ExportFailedError, ExportFileUnavailableError, ExportNotFoundError } from '../../../fhir/fhir-errors.js';
import { createExport, deleteExport, findExport, type ExportJob, type ExportLevel } from '../../../fhir/export/export-store.js';
import type { FhirExportRunner } from '../../../fhir/export/export-runner.js';
import { operationOutcome } from '../../../fhir/operation-outcome.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { parseExportParams } from './export-params.js';
import { fhirBase, sendFhir, sendOutcome, type FhirHandler } from './fhir-route.js';

export interface ExportRouteDeps extends ReadRouteDeps {
  exports: FhirExportRunner;
  /** Where jobs are written (the primary; `pool` may be a replica). */
  jobsPool: ReadRouteDeps['pool'];
}

const JOB_ID = /^[0-9a-f]{32}$/;
const FILE_NAME = /^Observation-\d{1,6}\.ndjson$/;

export function exportKickOff(deps: ExportRouteDeps, level: ExportLevel): FhirHandler {
  return async (ctx, params, reader) => {
    const hospitalId = params.hospitalId!;
    if (!/(^|[,\s])respond-async([,;\s]|$)/.test(String(ctx.req.headers.prefer ?? ''))) throw new AsyncRequiredError();
    const now = new Date(deps.clock.now());
    const range = parseExportParams(new URL(ctx.req.url ?? '/', 'http://x').searchParams, now, deps.historyMaxDays);
    const jobId = randomBytes(16).toString('hex');
    const base = fhirBase(ctx, hospitalId);
    const requestUrl = `${base}${level === 'patient' ? '/Patient' : ''}/$export${new URL(ctx.req.url ?? '/', 'http://x').search}`;
    const expiresAt = new Date(now.getTime() + deps.exports.options.expiryMs);
    await createExport(deps.jobsPool, { jobId, hospitalId, readerId: reader.readerId, level, ...range, requestUrl, now, expiresAt }, deps.exports.options.maxActivePerHospital);
    deps.exports.wake();
    Object.assign(ctx.fields, { jobId, since: range.since.toISOString() });
    sendFhir(ctx, 202, operationOutcome('WL_FHIR_EXPORT_QUEUED', `bulk export ${jobId} queued; poll the Content-Location URL`, 202, 'information'), {
      'content-location': `${base}/$export-status/${jobId}`,
    });
  };
}

async function jobOf(deps: ExportRouteDeps, hospitalId: string, jobId: string): Promise<ExportJob> {
  const job = JOB_ID.test(jobId) ? await findExport(deps.jobsPool, hospitalId, jobId) : undefined;
  if (job === undefined) throw new ExportNotFoundError(jobId);
  return job;
}

function manifest(base: string, job: ExportJob): Record<string, unknown> {
  return {
    transactionTime: job.until.toISOString(),
    request: job.requestUrl,
    requiresAccessToken: true,
    output: job.files.filter((f) => f.count > 0).map((f) => ({ type: f.type, url: `${base}/$export-file/${job.jobId}/${f.name}`, count: f.count })),
    error: [],
  };
}

export function exportStatus(deps: ExportRouteDeps): FhirHandler {
  return async (ctx, params) => {
    const job = await jobOf(deps, params.hospitalId!, params.jobId!);
    ctx.fields.jobId = job.jobId;
    if (job.state === 'done') {
      ctx.sendJson(200, manifest(fhirBase(ctx, job.hospitalId), job), { expires: job.expiresAt.toUTCString() });
    } else if (job.state === 'failed') {
      sendOutcome(ctx, new ExportFailedError(job.error ?? 'unknown'));
    } else {
      const span = job.until.getTime() - job.since.getTime();
      const done = job.progressTo === null ? 0 : job.progressTo.getTime() - job.since.getTime();
      const percent = Math.floor((100 * done) / Math.max(1, span));
      const through = job.progressTo === null ? job.state : `through ${job.progressTo.toISOString()}`;
      ctx.send(202, 'text/plain; charset=utf-8', '', { 'x-progress': `${percent}% (${through})`, 'retry-after': '2' });
    }
  };
}

export function exportDelete(deps: ExportRouteDeps): FhirHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const jobId = params.jobId!;
    if (!JOB_ID.test(jobId) || !(await deleteExport(deps.jobsPool, hospitalId, jobId))) throw new ExportNotFoundError(jobId);
    // A running job notices at its next chunk and deletes its folder too.
    await rm(deps.exports.dirOf(jobId), { recursive: true, force: true });
    ctx.fields.jobId = jobId;
    sendFhir(ctx, 202, operationOutcome('WL_FHIR_EXPORT_DELETED', `bulk export ${jobId} deleted`, 202, 'information'));
  };
}

export function exportFile(deps: ExportRouteDeps): FhirHandler {
  return async (ctx, params) => {
    const job = await jobOf(deps, params.hospitalId!, params.jobId!);
    const name = params.name!;
    const file = job.state === 'done' && FILE_NAME.test(name) ? job.files.find((f) => f.name === name) : undefined;
    if (file === undefined) throw new ExportNotFoundError(`${job.jobId}/${name}`);
    Object.assign(ctx.fields, { jobId: job.jobId, file: name, bytes: file.bytes });
    const stream = createReadStream(join(deps.exports.dirOf(job.jobId), name), { start: 0, end: Math.max(0, file.bytes - 1) });
    await new Promise<void>((resolve, reject) =>
      stream.once('open', () => resolve()).once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new ExportFileUnavailableError(name) : err)),
    );
    ctx.startStream(200, 'application/fhir+ndjson', { 'content-length': String(file.bytes) });
    await pipeline(stream, ctx.res).catch((err: unknown) => ctx.log.warn({ err }, 'an export file download broke off'));
  };
}
