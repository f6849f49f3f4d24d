/**
 * Schema step `alarms-003-pcd04-outbox`: the alarm manager's queue. One row per alarm
 * phase, in the order the engine produced them (`seq`), with the ORU^R40 as built when
 * the phase happened. A row is never evicted: it is sent until the manager acknowledges
 * it, then kept a week for `status` and audits (`acked_at_ms`), then pruned.
 */
export const PCD04_OUTBOX_SQL = `
  CREATE TABLE pcd04_outbox (
    seq          INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    alarm_id     TEXT NOT NULL,
    phase        TEXT NOT NULL,
    message      TEXT NOT NULL,
    queued_at_ms INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    acked_at_ms  INTEGER
  ) STRICT;
  CREATE INDEX pcd04_outbox_unacked ON pcd04_outbox(seq) WHERE acked_at_ms IS NULL;
`;
