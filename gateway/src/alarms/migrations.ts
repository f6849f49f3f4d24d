/**
 * The alarm engine's tables, in the gateway's one SQLite file:
 *
 * - `alarm_rules`: threshold rules. One row holds a low and/or a high limit for one metric,
 *   each with its priority, plus the condition delay and the clearing hysteresis. Scope is
 *   the ward (default), a bed, or a patient (override). Several rows of one metric form
 *   priority bands (e.g. SpO2 < 90 medium, SpO2 < 80 high).
 * - `alarm_rule_changes`: who changed which rule when, with the row before and after.
 * - `alarm_audit` (step 001): every phase of every alarm, with every `AlarmEvent` field.
 *   Since step 002 it is a VIEW of the buffer's `alarm_events`, the one alarm table (the
 *   audit trail with its upload state): see migration-one-table.ts. Never pruned.
 * - `alarm_ack_requests`: acknowledgements asked for by another process (the CLI); the
 *   daemon takes them within a second and writes the outcome back on the row.
 * - `alarm_meta`: counters bumped by triggers, so the daemon, woken by a change of
 *   `PRAGMA data_version`, reloads rules only when a rule really changed.
 * - `pcd04_outbox` (step 003): the ORU^R40 messages for the alarm manager, in sending
 *   order, each kept until the manager acknowledged it (pcd04/outbox-schema.ts).
 */
import { ONE_ALARM_TABLE_SQL } from './migration-one-table.js';
import { PCD04_OUTBOX_SQL } from './pcd04/outbox-schema.js';

export const alarmMigrations: { id: string; sql: string }[] = [
  // Shipped steps are never edited (the runner warns and does nothing on files that ran
  // them): a change is a new step.
  {
    id: 'alarms-001-rules-audit-acks',
    sql: `
      CREATE TABLE alarm_rules (
        rule_id       TEXT PRIMARY KEY,
        scope         TEXT NOT NULL CHECK (scope IN ('ward', 'bed', 'patient')),
        -- '' for the ward, else the bed id or patient id.
        scope_id      TEXT NOT NULL DEFAULT '',
        metric        TEXT NOT NULL,
        low_limit     REAL,
        low_priority  TEXT CHECK (low_priority IN ('high', 'medium', 'low')),
        high_limit    REAL,
        high_priority TEXT CHECK (high_priority IN ('high', 'medium', 'low')),
        delay_ms      INTEGER NOT NULL CHECK (delay_ms >= 0),
        hysteresis    REAL NOT NULL CHECK (hysteresis >= 0),
        enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        note          TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        CHECK (low_limit IS NOT NULL OR high_limit IS NOT NULL),
        CHECK ((low_limit IS NULL) = (low_priority IS NULL)),
        CHECK ((high_limit IS NULL) = (high_priority IS NULL)),
        CHECK ((scope = 'ward') = (scope_id = ''))
      ) STRICT;
      CREATE INDEX alarm_rules_scope ON alarm_rules(scope, scope_id, metric);

      CREATE TABLE alarm_rule_changes (
        id          INTEGER PRIMARY KEY,
        rule_id     TEXT NOT NULL,
        action      TEXT NOT NULL CHECK (action IN ('seed', 'add', 'set', 'enable', 'disable', 'remove')),
        actor       TEXT,
        before_json TEXT,
        after_json  TEXT,
        at_ms       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX alarm_rule_changes_rule ON alarm_rule_changes(rule_id, id);

      CREATE TABLE alarm_audit (
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
        recorded_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX alarm_audit_alarm ON alarm_audit(alarm_id, id);
      CREATE INDEX alarm_audit_time ON alarm_audit(time_ms);
      CREATE INDEX alarm_audit_bed ON alarm_audit(bed_id, time_ms);

      CREATE TABLE alarm_ack_requests (
        request_id      TEXT PRIMARY KEY,
        alarm_id        TEXT NOT NULL,
        actor           TEXT NOT NULL,
        requested_at_ms INTEGER NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'rejected')),
        result_code     TEXT,
        result_message  TEXT,
        handled_at_ms   INTEGER
      ) STRICT;
      CREATE INDEX alarm_ack_requests_pending ON alarm_ack_requests(requested_at_ms) WHERE status = 'pending';

      CREATE TABLE alarm_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO alarm_meta (key, value) VALUES ('rules_version', 0), ('defaults_seeded', 0);

      CREATE TRIGGER alarm_rules_ins AFTER INSERT ON alarm_rules
        BEGIN UPDATE alarm_meta SET value = value + 1 WHERE key = 'rules_version'; END;
      CREATE TRIGGER alarm_rules_upd AFTER UPDATE ON alarm_rules
        BEGIN UPDATE alarm_meta SET value = value + 1 WHERE key = 'rules_version'; END;
      CREATE TRIGGER alarm_rules_del AFTER DELETE ON alarm_rules
        BEGIN UPDATE alarm_meta SET value = value + 1 WHERE key = 'rules_version'; END;
    `,
  },
  { id: 'alarms-002-one-alarm-table', sql: ONE_ALARM_TABLE_SQL },
  { id: 'alarms-003-pcd04-outbox', sql: PCD04_OUTBOX_SQL },
];
