import type { Migration } from './migration.js';

/**
 * Lets the compaction job give a past day's emptied partition back with TRUNCATE (an
 * instant file swap) instead of VACUUM + REINDEX, which read and rewrite the whole day
 * and whose WAL stalls live ingest (lifecycle/compaction/reclaim.ts).
 *
 * TRUNCATE is safe only if no row remains that the job did not move into blocks. Rows the
 * job cannot have seen are late ones, written after it listed the day's patients. So the
 * job puts `wl_count_late_rows` on a past day's partition before it compacts it, reads
 * the day's counter, and truncates only if the counter has not moved once it holds the
 * partition's exclusive lock. One increment per transaction and partition (a
 * transaction-local setting remembers it) keeps a late batch of thousands of rows cheap.
 * A reference table under Citus, where the job keeps the VACUUM path.
 */
export const compactionLateRows: Migration = {
  version: 12,
  name: 'compaction-late-rows',
  sql: `
CREATE TABLE compaction_late_rows (
  partition text PRIMARY KEY,
  late_writes bigint NOT NULL
);

CREATE FUNCTION wl_count_late_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  seen_key text := 'wardlink.late_' || TG_RELID::text;
BEGIN
  IF coalesce(current_setting(seen_key, true), '') = '' THEN
    INSERT INTO compaction_late_rows (partition, late_writes) VALUES (TG_TABLE_NAME, 1)
      ON CONFLICT (partition) DO UPDATE SET late_writes = compaction_late_rows.late_writes + 1;
    PERFORM set_config(seen_key, 'y', true);
  END IF;
  RETURN NULL;
END
$$;
`,
};
