import type { Migration } from './migration.js';

/**
 * FHIR bulk exports ($export): one row per job, so a job survives a restart (it resumes
 * from `progress_to`, the end of the last chunk written) and any instance answers its
 * status. `files` lists the NDJSON files written so far, each under the service's data
 * folder (fhir-exports/<job_id>/); `expires_at` is when the cleanup deletes the job and
 * its files. A few rows per hospital at most: a reference table under Citus, so the
 * worker can claim the next job of any hospital in one statement.
 */
export const fhirExports: Migration = {
  version: 11,
  name: 'fhir-exports',
  sql: `
CREATE TABLE fhir_exports (
  job_id       text COLLATE "C" NOT NULL,
  hospital_id  text COLLATE "C" NOT NULL,
  reader_id    text NOT NULL,
  level        text NOT NULL CHECK (level IN ('hospital', 'patient')),
  since        timestamptz NOT NULL,
  until        timestamptz NOT NULL,
  request_url  text NOT NULL,
  state        text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  progress_to  timestamptz,
  files        jsonb NOT NULL DEFAULT '[]',
  error        text,
  claimed_at   timestamptz,
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  expires_at   timestamptz NOT NULL,
  -- hospital_id first, as every key of the schema (docs/scaling.md); job ids are random.
  PRIMARY KEY (hospital_id, job_id)
);
CREATE INDEX fhir_exports_job ON fhir_exports (job_id);
`,
};
