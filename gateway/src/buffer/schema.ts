/**
 * The buffer's tables. Choices, with the measurements behind them:
 *
 * - Readings are stored one row per device RECORD (`reading_records`): the 5-20 metrics a
 *   monitor sends together share device, bed, patient and times, so they go in one row
 *   with the per-metric part packed in `items`, a JSON array of
 *   `[metric, value, flags?, deviceTimeDeltaMs?, receivedDeltaMs?]` (deltas against the
 *   row's times, omitted when 0; flags too since buffer-005, rows.ts). One row per reading with its two indexes cost ~5 us per
 *   reading in the writer and ~6.5 us in the outbox; one row per record cuts the b-tree
 *   work by the record size and the file size with it (more days of outage buffered).
 *   JSON rather than a binary blob so SQL (the CLI, the `readings` view, tests) can read it.
 * - `reading_records.id` numbers READINGS, not rows: a row's id is the local number of its
 *   first reading and the next row starts at id + n. So ids stay in local (arrival) order,
 *   `max - min` spans readings, and the outbox can split a record at a batch boundary
 *   (the tail becomes a row at id + k) without renumbering anything. Ids never leave the
 *   gateway (the cloud keys readings naturally).
 * - A row's life: unbatched -> in a pending batch -> uploaded (its batch 'sent') -> pruned
 *   after local retention or evicted. Since buffer-003 that state lives in id ranges
 *   (`outbox_spans`, `outbox_batches`; outbox-spans.ts), not in the row: the first two
 *   partial indexes below and the per-row stamps rewrote every row twice, and are
 *   gone (batch_seq/uploaded_at_ms stay as columns for rows batched before it).
 * - (before buffer-003) `reading_records_unbatched` (partial, batch_seq IS NULL) was the
 *   outbox queue and `reading_records_uploaded_age` (partial, uploaded rows by receive
 *   time) served the retention prune and the eviction of uploaded rows.
 * - `reading_records_trend` was (bed_id, device_time_ms): the local trend view reads one
 *   bed's time range and picks its metric out of `items` (per-reading device time deltas
 *   are small: a record's observations are seconds apart at most). Since buffer-004 it is
 *   the table `reading_trend`, filled by housekeeping rather than in every commit
 *   (trend-index.ts).
 * - The `readings` VIEW shows one row per reading (id = record id + position) for SQL
 *   readers: the CLI, scripts and tests. It expands JSON, so it is for inspection, not for
 *   the hot paths (counts there use `sum(n)`). Its INSTEAD OF INSERT trigger stores a
 *   one-reading record, for benchmarks that measure raw SQLite against the writer.
 * - `alarm_events` keep every phase change; they are never evicted or pruned by the
 *   buffer (they are the audit trail). `event_id` is unique: appending an event twice
 *   (a retry) stores it once. It is the gateway's ONE alarm table: the alarm engine's
 *   audit reads it too (alarms/audit-query.ts); the step `alarms-002-one-alarm-table`
 *   (alarms/migration-one-table.ts) merged the engine's former `alarm_audit` table into it,
 *   left a view of that name for SQL readers, and added the indexes the audit reads use.
 * - `outbox_batches` remembers what each batch holds (a record id range, and batch_seq on
 *   its alarm events) and its gateway id, so a batch is re-sent
 *   with the same seq and the same content after a crash. Sequence numbers come from
 *   `meta.next_batch_seq`, never reused. `first_reading_id`/`last_reading_id` are the ids
 *   of its first and last RECORD rows; `reading_count` counts readings.
 */
export const BUFFER_SCHEMA_SQL = `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE reading_records (
    id             INTEGER PRIMARY KEY,
    n              INTEGER NOT NULL CHECK (n > 0),
    device_id      TEXT NOT NULL,
    bed_id         TEXT NOT NULL,
    patient_id     TEXT,
    device_time_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    items          TEXT NOT NULL,
    batch_seq      INTEGER,
    uploaded_at_ms INTEGER
  ) STRICT;
  CREATE INDEX reading_records_unbatched ON reading_records(id) WHERE batch_seq IS NULL;
  CREATE INDEX reading_records_uploaded_age ON reading_records(received_at_ms) WHERE uploaded_at_ms IS NOT NULL;
  CREATE INDEX reading_records_trend ON reading_records(bed_id, device_time_ms);

  CREATE VIEW readings AS
    SELECT r.id + j.key AS id, r.device_id, r.bed_id, r.patient_id,
           j.value ->> 0 AS metric,
           r.device_time_ms + coalesce(j.value ->> 3, 0) AS device_time_ms,
           r.received_at_ms + coalesce(j.value ->> 4, 0) AS received_at_ms,
           j.value ->> 1 AS value,
           j.value ->> 2 AS flags,
           r.batch_seq, r.uploaded_at_ms
    FROM reading_records AS r, json_each(r.items) AS j;
  CREATE TRIGGER readings_insert INSTEAD OF INSERT ON readings BEGIN
    INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items)
    VALUES (
      coalesce((SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1), 1), 1,
      NEW.device_id, NEW.bed_id, NEW.patient_id, NEW.device_time_ms, NEW.received_at_ms,
      json_array(json_array(NEW.metric, NEW.value, coalesce(NEW.flags, 0)))
    );
  END;

  CREATE TABLE alarm_events (
    id             INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    alarm_id       TEXT NOT NULL,
    bed_id         TEXT NOT NULL,
    patient_id     TEXT,
    device_id      TEXT,
    source         TEXT NOT NULL CHECK (source IN ('physiological', 'technical')),
    metric         TEXT,
    condition      TEXT NOT NULL,
    priority       TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    phase          TEXT NOT NULL CHECK (phase IN ('raised', 'updated', 'acknowledged', 'cleared', 'escalated')),
    time_ms        INTEGER NOT NULL,
    value          REAL,
    actor          TEXT,
    message        TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    batch_seq      INTEGER,
    uploaded_at_ms INTEGER
  ) STRICT;
  CREATE INDEX alarm_events_unbatched ON alarm_events(time_ms, id) WHERE batch_seq IS NULL;
  CREATE INDEX alarm_events_batch ON alarm_events(batch_seq, time_ms) WHERE batch_seq IS NOT NULL;
  CREATE INDEX alarm_events_alarm ON alarm_events(alarm_id, time_ms);

  CREATE TABLE outbox_batches (
    seq              INTEGER PRIMARY KEY,
    gateway_id       TEXT NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    order_kind       TEXT NOT NULL CHECK (order_kind IN ('oldest', 'newest')),
    first_reading_id INTEGER,
    last_reading_id  INTEGER,
    reading_count    INTEGER NOT NULL,
    alarm_count      INTEGER NOT NULL,
    oldest_item_ms   INTEGER,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'quarantined', 'evicted')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    settled_at_ms    INTEGER
  ) STRICT;
  CREATE INDEX outbox_batches_pending ON outbox_batches(seq) WHERE state = 'pending';
  CREATE INDEX outbox_batches_quarantined ON outbox_batches(seq) WHERE state = 'quarantined';
  CREATE INDEX outbox_batches_settled ON outbox_batches(settled_at_ms) WHERE state IN ('sent', 'evicted');
`;

/**
 * The `readings` view again, with the two rare per-reading parts of `items` (rows.ts): the
 * device's own clock time of a CLOCK_SUSPECT reading, and an uncatalogued term's unit.
 */
export const READINGS_VIEW_V2_SQL = `
  DROP VIEW readings;
  CREATE VIEW readings AS
    SELECT r.id + j.key AS id, r.device_id, r.bed_id, r.patient_id,
           j.value ->> 0 AS metric,
           r.device_time_ms + coalesce(j.value ->> 3, 0) AS device_time_ms,
           r.received_at_ms + coalesce(j.value ->> 4, 0) AS received_at_ms,
           j.value ->> 1 AS value,
           j.value ->> 2 AS flags,
           r.batch_seq, r.uploaded_at_ms,
           r.device_time_ms + coalesce(j.value ->> 3, 0) + (j.value ->> 5) AS device_clock_ms,
           j.value ->> 6 AS unit
    FROM reading_records AS r, json_each(r.items) AS j;
  CREATE TRIGGER readings_insert INSTEAD OF INSERT ON readings BEGIN
    INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items)
    VALUES (
      coalesce((SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1), 1), 1,
      NEW.device_id, NEW.bed_id, NEW.patient_id, NEW.device_time_ms, NEW.received_at_ms,
      json_array(json_array(NEW.metric, NEW.value, coalesce(NEW.flags, 0)))
    );
  END;
`;

/**
 * buffer-003: a row's outbox state from id ranges instead of per-row stamps (outbox-spans.ts).
 * - `outbox_spans` is filled from the stamped rows: each maximal run of consecutive rows
 *   (in id order) that have a batch_seq is one span.
 * - The two partial indexes go: nothing reads `batch_seq IS NULL` or `uploaded_at_ms`
 *   of readings any more. The columns stay (dropping one rewrites the table): `batch_seq`
 *   still tells a legacy batch's rows apart inside its range; new rows leave both NULL.
 * - `outbox_batches_first_reading` finds the batch holding a row (the view, tests).
 * - The `readings` view derives batch_seq and uploaded_at_ms from the batch holding the row
 *   (for an unbatched row that lookup walks the batches below it: the view is for
 *   inspection and tests, never for the hot paths).
 */
/** The batch whose id range holds row r (rows batched since buffer-003 carry no stamp). */
const BATCH_OF_ROW = `(SELECT x.seq FROM outbox_batches AS x
       WHERE x.first_reading_id <= r.id AND x.first_reading_id IS NOT NULL AND x.last_reading_id >= r.id AND x.state <> 'evicted'
       ORDER BY x.first_reading_id DESC LIMIT 1)`;

export const OUTBOX_SPANS_SQL = `
  CREATE TABLE outbox_spans (
    first_id INTEGER PRIMARY KEY,
    last_id  INTEGER NOT NULL
  ) STRICT;
  INSERT INTO outbox_spans (first_id, last_id)
    SELECT min(id), max(id) FROM (
      SELECT id, batch_seq IS NOT NULL AS batched,
             row_number() OVER (ORDER BY id) - row_number() OVER (PARTITION BY batch_seq IS NOT NULL ORDER BY id) AS island
      FROM reading_records
    ) WHERE batched GROUP BY island;
  DROP INDEX reading_records_unbatched;
  DROP INDEX reading_records_uploaded_age;
  CREATE INDEX outbox_batches_first_reading ON outbox_batches(first_reading_id) WHERE first_reading_id IS NOT NULL;

  DROP VIEW readings;
  CREATE VIEW readings AS
    SELECT r.id + j.key AS id, r.device_id, r.bed_id, r.patient_id,
           j.value ->> 0 AS metric,
           r.device_time_ms + coalesce(j.value ->> 3, 0) AS device_time_ms,
           r.received_at_ms + coalesce(j.value ->> 4, 0) AS received_at_ms,
           j.value ->> 1 AS value,
           j.value ->> 2 AS flags,
           coalesce(r.batch_seq, ${BATCH_OF_ROW}) AS batch_seq,
           coalesce(
             (SELECT CASE WHEN b.state = 'sent' THEN b.settled_at_ms END FROM outbox_batches AS b WHERE b.seq = coalesce(r.batch_seq, ${BATCH_OF_ROW})),
             r.uploaded_at_ms
           ) AS uploaded_at_ms,
           r.device_time_ms + coalesce(j.value ->> 3, 0) + (j.value ->> 5) AS device_clock_ms,
           j.value ->> 6 AS unit
    FROM reading_records AS r, json_each(r.items) AS j;
  CREATE TRIGGER readings_insert INSTEAD OF INSERT ON readings BEGIN
    INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items)
    VALUES (
      coalesce((SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1), 1), 1,
      NEW.device_id, NEW.bed_id, NEW.patient_id, NEW.device_time_ms, NEW.received_at_ms,
      json_array(json_array(NEW.metric, NEW.value, coalesce(NEW.flags, 0)))
    );
  END;
`;

/**
 * buffer-005: flags 0 are left out of `items` (rows.ts), so the `readings` view reads a
 * missing flags as 0. The view and its trigger as buffer-003 left them, with that one change
 * (derived from its text, which must not change: applied steps are checksummed).
 */
const VIEW_OF_BUFFER_003 = OUTBOX_SPANS_SQL.slice(OUTBOX_SPANS_SQL.indexOf('  DROP VIEW readings;'));
export const FLAGS_OPTIONAL_SQL = VIEW_OF_BUFFER_003.replace('j.value ->> 2 AS flags', 'coalesce(j.value ->> 2, 0) AS flags');
// A silent miss of the replace would recreate the old view (NULL flags) under buffer-005.
if (!FLAGS_OPTIONAL_SQL.includes('coalesce(j.value ->> 2, 0) AS flags') || !FLAGS_OPTIONAL_SQL.includes('CREATE VIEW readings')) {
  throw new Error('buffer-005: the readings view could not be derived from buffer-003');
}
