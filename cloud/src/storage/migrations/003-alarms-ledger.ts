import type { Migration } from './migration.js';

/** Alarm events (the audit trail uploaded ahead of readings) and the batch ledger. */
export const alarmsAndLedger: Migration = {
  version: 3,
  name: 'alarms-and-ledger',
  sql: `
-- One row per alarm phase change. Natural key: the gateway's event id, stable across
-- retries. NOT partitioned: even a noisy hospital raises ~10^4-10^5 events a day, four
-- to five orders of magnitude below vital_data; a plain table keeps the global natural
-- key (a partitioned one would have to add the time to every unique index) and
-- retention can delete by time through alarm_events_time. Its three indexes serve:
-- recent alarms of a hospital (and retention), a patient's alarms over time, and every
-- phase of one alarm. Loaded with INSERT ... ON CONFLICT DO NOTHING (low volume), so a
-- gateway re-sending an event in a later batch is harmless.
CREATE TABLE alarm_events (
  t           timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  batch_seq   bigint NOT NULL,
  value       real,
  metric      integer,
  hospital_id text COLLATE "C" NOT NULL,
  gateway_id  text COLLATE "C" NOT NULL,
  event_id    text COLLATE "C" NOT NULL CHECK (event_id <> ''),
  alarm_id    text COLLATE "C" NOT NULL,
  bed_id      text COLLATE "C" NOT NULL,
  patient_id  text COLLATE "C" NOT NULL DEFAULT '',
  device_id   text COLLATE "C" NOT NULL DEFAULT '',
  source      text NOT NULL CHECK (source IN ('physiological', 'technical')),
  condition   text NOT NULL,
  priority    text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
  phase       text NOT NULL CHECK (phase IN ('raised', 'updated', 'acknowledged', 'cleared', 'escalated')),
  actor       text,
  message     text NOT NULL DEFAULT '',
  PRIMARY KEY (hospital_id, gateway_id, event_id)
);
CREATE INDEX alarm_events_time ON alarm_events (hospital_id, t);
CREATE INDEX alarm_events_patient ON alarm_events (hospital_id, patient_id, t);
CREATE INDEX alarm_events_alarm ON alarm_events (hospital_id, gateway_id, alarm_id);

-- One row per accepted batch, inserted in the same transaction as the batch's COPY:
-- a retried batch conflicts on the key and takes effect exactly once. This is the
-- service's only idempotency state, and it lives in PostgreSQL, so any instance can
-- take any retry. ~10^5-10^6 rows a day; the lifecycle prunes old rows by received_at,
-- which a BRIN index finds at almost no cost (rows arrive in received_at order, so the
-- BRIN summary is tight; a B-tree would add a second write per batch for nothing).
CREATE TABLE batch_ledger (
  hospital_id text COLLATE "C" NOT NULL,
  gateway_id  text COLLATE "C" NOT NULL,
  batch_seq   bigint NOT NULL CHECK (batch_seq > 0),
  received_at timestamptz NOT NULL DEFAULT now(),
  created_at  timestamptz,
  readings    integer NOT NULL CHECK (readings >= 0),
  alarms      integer NOT NULL CHECK (alarms >= 0),
  min_t       timestamptz,
  max_t       timestamptz,
  trace_id    text,
  PRIMARY KEY (hospital_id, gateway_id, batch_seq)
);
CREATE INDEX batch_ledger_received_at ON batch_ledger USING brin (received_at);
`,
};
