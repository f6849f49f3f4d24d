import type { Migration } from './migration.js';

/**
 * The data lifecycle's bookkeeping (cloud/src/lifecycle, docs/lifecycle.md): the state
 * of each partition's archive job, the archived objects with their manifests, and the
 * audit trail of every destructive or policy action.
 */
export const lifecycle: Migration = {
  version: 4,
  name: 'lifecycle',
  sql: `
-- One row per archive run of a vital_data partition (one UTC day). The job moves
-- pending -> detached -> exported -> stored -> verified -> dropped, committing each
-- state only after its step's work is done, so a crash at any point resumes from the
-- last committed state and every step is idempotent. generation > 1 only when late
-- data re-created a day that was already archived and dropped.
-- Reference table under Citus (global key, one row per day, like hospitals): the
-- partition is detached and dropped for every hospital at once.
CREATE TABLE archive_jobs (
  day            date NOT NULL,
  generation     integer NOT NULL CHECK (generation >= 1),
  partition_name text NOT NULL,
  state          text NOT NULL CHECK (state IN ('pending', 'detached', 'exported', 'stored', 'verified', 'dropped')),
  rows           bigint,
  bytes          bigint,
  objects        integer,
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  PRIMARY KEY (day, generation)
);
-- At most one unfinished job per day, whichever instance started it.
CREATE UNIQUE INDEX archive_jobs_one_open ON archive_jobs (day) WHERE state <> 'dropped';

-- One archived Parquet object: a hospital's readings of one day (kind 'day'), or one
-- legally held patient's readings of one day, extracted before the day object was
-- purged (kind 'held', patient_id set). manifest holds what verification compares:
-- rows, min/max t, exact column sums, the file's sha256. purged_at is set when the
-- object was deleted from the store (the row stays, as the record of what existed).
CREATE TABLE archive_objects (
  hospital_id text COLLATE "C" NOT NULL,
  day         date NOT NULL,
  generation  integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('day', 'held')),
  patient_id  text COLLATE "C" NOT NULL DEFAULT '',
  object_key  text NOT NULL,
  rows        bigint NOT NULL,
  bytes       bigint NOT NULL,
  sha256      text NOT NULL,
  min_t       timestamptz,
  max_t       timestamptz,
  manifest    jsonb NOT NULL,
  exported_at timestamptz NOT NULL,
  stored_at   timestamptz,
  verified_at timestamptz,
  purged_at   timestamptz,
  PRIMARY KEY (hospital_id, day, generation, kind, patient_id),
  CHECK ((kind = 'held') = (patient_id <> ''))
);
-- The job's objects, and restore's range lookups.
CREATE INDEX archive_objects_day ON archive_objects (day, generation);

-- Every hold, release, policy change, partition drop and purge. audit_id is random
-- (gen_random_uuid), not a sequence: any instance writes without coordination.
-- hospital_id '' marks an action on shared storage (a partition holds every hospital).
CREATE TABLE lifecycle_audit (
  hospital_id text COLLATE "C" NOT NULL,
  audit_id    uuid NOT NULL DEFAULT gen_random_uuid(),
  at          timestamptz NOT NULL,
  action      text NOT NULL,
  subject     text NOT NULL,
  actor       text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (hospital_id, audit_id)
);
CREATE INDEX lifecycle_audit_time ON lifecycle_audit (hospital_id, at);
`,
};
