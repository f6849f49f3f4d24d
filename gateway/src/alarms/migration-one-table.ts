/**
 * Schema step `alarms-002-one-alarm-table`: one alarm table instead of two.
 *
 * Until this step every alarm event was written twice: to `alarm_audit` by the audit log
 * on the main thread, and to the buffer's `alarm_events` (which carries the upload state)
 * by the writer's commit thread. Either write could fail alone, so an existing file may
 * hold events in one table only:
 * - audit only: the upload buffer refused the event (disk full, lock held too long) and
 *   nothing re-sent it. It was never uploaded.
 * - alarm_events only: the process stopped within the audit's 100 ms flush, or the audit
 *   queue overflowed while the disk refused writes.
 *
 * The step keeps every event of both tables, once (by event_id), in `alarm_events`:
 * 1. Events in both tables keep their `alarm_events` row: its content and its upload state
 *    (batch_seq, uploaded_at_ms). Both copies came from one AlarmEvent object: same content.
 * 2. Audit-only events are added unbatched, so the outbox uploads them.
 * 3. Order: the audit replays an alarm from its events in `id` order (audit-query.ts), and
 *    appending a missing `raised` after its alarm's `acknowledged` would replay wrongly.
 *    So the alarms that have audit-only events (few: those of a failure episode) get all
 *    their events written again, upload state kept, in the merged order of the two tables.
 *    Both saw the events in the order the engine recorded them, so the events in both
 *    ("anchors") are in the same order in each, and every other event sits in a known gap
 *    between two anchors. Key: (anchors before it, anchor last in its gap, within a gap
 *    by time (the running max of time_ms in its own table, so each table's own order is
 *    kept), audit first on a tie, own id). The other alarms' rows are not touched, so the
 *    step costs little on a large file.
 * 4. A self-check aborts the step (the runner then rolls the whole migration back and
 *    the file stays as it was) unless every event of both tables is in `alarm_events`.
 * 5. `alarm_audit` becomes a view of `alarm_events` with its former columns, for SQL
 *    readers (scripts, an operator's queries). Its INSTEAD OF INSERT trigger stores a row
 *    written through it in `alarm_events` (once, by event_id), so a process of the
 *    previous version still running during an upgrade loses no event either.
 * 6. Indexes for the audit's reads (by alarm in id order, by time, by bed and time).
 *
 * Needs `alarm_events` (step buffer-001): the store always runs the buffer's steps first.
 */

/** The event columns both tables share, in `alarm_audit`'s order. */
const EVENT_COLUMNS =
  'event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message, recorded_at_ms';

/** `EVENT_COLUMNS` of the table (or trigger row) named `t`. */
const from = (t: string) => EVENT_COLUMNS.split(', ').map((c) => `${t}.${c}`).join(', ');

export const ONE_ALARM_TABLE_SQL = `
  CREATE TEMP TABLE alarm_merge_audit_only AS
    SELECT a.id, a.alarm_id FROM alarm_audit AS a
    WHERE NOT EXISTS (SELECT 1 FROM alarm_events AS e WHERE e.event_id = a.event_id);
  CREATE TEMP TABLE alarm_merge_expected AS
    SELECT (SELECT count(*) FROM alarm_events) + (SELECT count(*) FROM alarm_merge_audit_only) AS events;

  -- Every event of the alarms that have audit-only events, once, with its merged order
  -- (k1..k5, see the header): alarm_events' rows with their upload state, then the
  -- audit-only rows, unbatched.
  CREATE TEMP TABLE alarm_merge_rows AS
    SELECT anchors_before AS k1, shared AS k2, CASE WHEN shared THEN 0 ELSE time_run END AS k3, 1 AS k4, id AS k5,
           ${EVENT_COLUMNS}, batch_seq, uploaded_at_ms
    FROM (
      SELECT e.*, a.id IS NOT NULL AS shared,
             coalesce(sum(a.id IS NOT NULL) OVER before_row, 0) AS anchors_before,
             max(e.time_ms) OVER up_to_row AS time_run
      FROM alarm_events AS e LEFT JOIN alarm_audit AS a ON a.event_id = e.event_id
      WHERE e.alarm_id IN (SELECT alarm_id FROM alarm_merge_audit_only)
      WINDOW up_to_row AS (PARTITION BY e.alarm_id ORDER BY e.id),
             before_row AS (PARTITION BY e.alarm_id ORDER BY e.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    )
    UNION ALL
    SELECT anchors_before, 0, time_run, 0, id, ${EVENT_COLUMNS}, NULL, NULL
    FROM (
      SELECT a.*, e.id IS NOT NULL AS shared,
             coalesce(sum(e.id IS NOT NULL) OVER before_row, 0) AS anchors_before,
             max(a.time_ms) OVER up_to_row AS time_run
      FROM alarm_audit AS a LEFT JOIN alarm_events AS e ON e.event_id = a.event_id
      WHERE a.alarm_id IN (SELECT alarm_id FROM alarm_merge_audit_only)
      WINDOW up_to_row AS (PARTITION BY a.alarm_id ORDER BY a.id),
             before_row AS (PARTITION BY a.alarm_id ORDER BY a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    )
    WHERE NOT shared;

  DELETE FROM alarm_events WHERE alarm_id IN (SELECT alarm_id FROM alarm_merge_audit_only);
  INSERT INTO alarm_events (${EVENT_COLUMNS}, batch_seq, uploaded_at_ms)
    SELECT ${EVENT_COLUMNS}, batch_seq, uploaded_at_ms FROM alarm_merge_rows ORDER BY k1, k2, k3, k4, k5;

  -- Never lose an event: a failed CHECK here aborts the step and rolls everything back.
  CREATE TEMP TABLE alarm_merge_check (
    missing_audit_events INTEGER NOT NULL CHECK (missing_audit_events = 0),
    event_count_off      INTEGER NOT NULL CHECK (event_count_off = 0)
  );
  INSERT INTO alarm_merge_check
    SELECT (SELECT count(*) FROM alarm_audit AS a WHERE NOT EXISTS (SELECT 1 FROM alarm_events AS e WHERE e.event_id = a.event_id)),
           (SELECT count(*) FROM alarm_events) - (SELECT events FROM alarm_merge_expected);

  DROP TABLE temp.alarm_merge_check;
  DROP TABLE temp.alarm_merge_rows;
  DROP TABLE temp.alarm_merge_expected;
  DROP TABLE temp.alarm_merge_audit_only;
  DROP TABLE alarm_audit;

  CREATE VIEW alarm_audit AS SELECT id, ${EVENT_COLUMNS} FROM alarm_events;
  CREATE TRIGGER alarm_audit_insert INSTEAD OF INSERT ON alarm_audit BEGIN
    INSERT INTO alarm_events (${EVENT_COLUMNS})
    VALUES (${from('NEW')})
    ON CONFLICT (event_id) DO NOTHING;
  END;

  DROP INDEX alarm_events_alarm;
  CREATE INDEX alarm_events_alarm ON alarm_events(alarm_id, id);
  CREATE INDEX alarm_events_time ON alarm_events(time_ms);
  CREATE INDEX alarm_events_bed ON alarm_events(bed_id, time_ms);
`;
