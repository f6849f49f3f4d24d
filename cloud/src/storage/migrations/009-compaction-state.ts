import type { Migration } from './migration.js';

/**
 * How far the compaction job has reached: every vital_blocks block lies before `cutoff`
 * (the job raises it, in its own commit, before it writes a block). The loader reads it
 * to know whether a batch may hold copies of compacted readings (ingest/compaction-horizon.ts):
 * a batch entirely at or after it cannot, and takes the plain COPY path.
 * One row; a reference table under Citus.
 */
export const compactionState: Migration = {
  version: 9,
  name: 'compaction-state',
  sql: `
CREATE TABLE compaction_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  cutoff    timestamptz NOT NULL
);
`,
};
