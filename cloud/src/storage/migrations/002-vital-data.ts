import type { Migration } from './migration.js';

/**
 * vital_data (every reading, partitioned by day) and latest_vitals (the cache of the
 * newest reading per bed and metric).
 *
 * One hospital writes 5,000 records/s x ~8 metrics = 40,000 rows/s, 3.5 billion a day,
 * so every byte and every index is paid for 3.5 billion times a day.
 *
 * Since batch format version 2 (outside the released SQL below, which must not change):
 * a CLOCK_SUSPECT row's t IS the gateway's receive time, so its received_at holds the
 * device clock's own time instead, the evidence of the fault, at no cost per row (see
 * ingest/rows.ts receivedColumnMs and docs/cloud-api.md).
 */
export const vitalData: Migration = {
  version: 2,
  name: 'vital-data',
  sql: `
-- Columns are ordered for the tuple layout: the 8-byte aligned fields first (t,
-- received_at, batch_seq), then the 4- and 2-byte ones, then the short texts (1-byte
-- varlena headers, no alignment). No padding is wasted, and with every column NOT NULL
-- the heap tuple has no null bitmap: 24 B header + 34 B fixed + ~45 B of ids, about
-- 104 B per row plus a 4 B line pointer.
--
-- * metric: the ISO/IEEE 11073 MDC code (e.g. 147842 = MDC_ECG_HEART_RATE) as integer.
--   A smallint index into the catalog would save 2 B but silently change meaning if
--   the catalog were ever reordered; the MDC code is the standard's own stable id.
-- * value: real (float4). Monitors report at resolution 1, 0.1 or 0.01 on magnitudes
--   below 10^4, i.e. at most 6 significant digits; float4 carries 7 and PostgreSQL
--   prints the shortest text that round-trips (36.6 stays "36.6"). double would cost
--   4 B more per row, numeric 8+ B and slower arithmetic. Aggregates cast to double.
-- * patient_id: '' when no patient was admitted to the bed. Not NULL, because it is a
--   key column (and NULL would bring back the null bitmap); not a bed-scoped pseudo id,
--   because that could collide with a real hospital identifier. Readings of an empty
--   bed stay reachable by (gateway_id, bed_id) in the partition of their day.
-- * received_at: when the gateway received the reading (device clocks drift; this is
--   the ward's clock). batch_seq: the gateway batch that carried it, for audits.
-- * device_id and bed_id are unique per gateway (each gateway keeps its own registry).
--
-- Partitioned BY RANGE (t), one partition per UTC day, vital_data_pYYYYMMDD for
-- [day 00:00Z, next day 00:00Z). Pruning restricts every time-bounded query to its
-- days; retention detaches and drops whole days in O(1). There is deliberately NO
-- DEFAULT partition: DETACH PARTITION CONCURRENTLY is refused while one exists, and a
-- default partition must be scanned whenever a new partition is attached. Instead the
-- loader creates a missing day's partition before its COPY (partitions.ts), and
-- maintenance creates them days ahead.
--
-- ONE index per partition, the primary key, ordered for the real queries:
--   (hospital_id, patient_id, metric, t, gateway_id, device_id)
-- * history of a patient's metric over a range: equality on the first three columns,
--   range on t: one index range scan per pruned partition, rows come out in t order;
-- * latest per patient: a backward scan of the same index in the newest partition
--   (the service reads latest_vitals instead, below);
-- * uniqueness: it is a superkey of the natural key (device, metric, t). Enforcing
--   (gateway, device, metric, t) on its own would need a second index on 3.5 billion
--   rows a day; exactly-once is guaranteed per batch by batch_ledger instead.
-- * Citus: it includes hospital_id (distribution column) and t (partition column).
-- No BRIN on t: within a day's partition every query is by patient; whole-day scans
-- (reports, archive export) read the partition sequentially anyway. No foreign keys:
-- a per-row FK probe at 40,000 rows/s costs more than it protects; ids are checked
-- once per batch against the gateway's token.
CREATE TABLE vital_data (
  t           timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  batch_seq   bigint      NOT NULL,
  value       real        NOT NULL,
  metric      integer     NOT NULL,
  flags       smallint    NOT NULL DEFAULT 0,
  hospital_id text COLLATE "C" NOT NULL,
  patient_id  text COLLATE "C" NOT NULL DEFAULT '',
  gateway_id  text COLLATE "C" NOT NULL,
  device_id   text COLLATE "C" NOT NULL,
  bed_id      text COLLATE "C" NOT NULL,
  CONSTRAINT vital_data_pkey PRIMARY KEY (hospital_id, patient_id, metric, t, gateway_id, device_id)
) PARTITION BY RANGE (t);

-- The newest reading per bed and metric: the dashboard's cache, kept current by the
-- loader in the same transaction as its COPY:
--   INSERT INTO latest_vitals AS lv (...) SELECT DISTINCT ON (gateway_id, bed_id, metric) ...
--     ORDER BY gateway_id, bed_id, metric, t DESC
--   ON CONFLICT (hospital_id, gateway_id, bed_id, metric) DO UPDATE SET ...
--     WHERE excluded.t > lv.t;
-- (rows sorted by key, so concurrent batches of one gateway cannot deadlock; an older
-- reading arriving late, e.g. from a backlog, never overwrites a newer one).
--
-- Keyed by bed, not patient: the ward dashboard shows beds, an empty bed's monitor
-- still shows values, and '' (no patient) would merge every empty bed under one key.
-- It is updated ~40,000 times/s per hospital, so it must stay HOT-updatable: no index
-- on t, value or flags (an index on a changed column forbids a HOT update), and
-- fillfactor 70 leaves room on each page for the new row version. The one secondary
-- index, on patient_id, changes only on admission, so updates stay HOT.
-- The table is small (beds x metrics, ~65,000 rows per hospital): the active-patients
-- dashboard reads a hospital's rows through the primary key in one query.
CREATE TABLE latest_vitals (
  hospital_id text COLLATE "C" NOT NULL,
  gateway_id  text COLLATE "C" NOT NULL,
  bed_id      text COLLATE "C" NOT NULL,
  metric      integer NOT NULL,
  t           timestamptz NOT NULL,
  value       real NOT NULL,
  flags       smallint NOT NULL DEFAULT 0,
  patient_id  text COLLATE "C" NOT NULL DEFAULT '',
  device_id   text COLLATE "C" NOT NULL,
  PRIMARY KEY (hospital_id, gateway_id, bed_id, metric)
) WITH (fillfactor = 70);
-- (Not a partial index: a prepared statement's generic plan could not prove
-- "patient_id = $2" implies "patient_id <> ''" and would fall back to a scan.)
CREATE INDEX latest_vitals_patient ON latest_vitals (hospital_id, patient_id);
`,
};
