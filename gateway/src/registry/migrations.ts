/**
 * Registry tables: the ward's beds, its devices and the admissions of patients to beds.
 * They live in the gateway's one SQLite file, next to the buffer.
 */
export const registryMigrations = [
  {
    id: 'registry-001-beds-devices-admissions',
    sql: `
      CREATE TABLE beds (
        bed_id      TEXT PRIMARY KEY,
        label       TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE devices (
        device_id     TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('serial', 'tcp-hl7', 'mqtt')),
        bed_id        TEXT NOT NULL REFERENCES beds(bed_id),
        format        TEXT NOT NULL,
        port_path     TEXT,
        baud_rate     INTEGER,
        -- For tcp-hl7: which messages are this device's (OBX-18 equipment id or MSH-3).
        match_id      TEXT,
        vendor_map    TEXT NOT NULL DEFAULT '{}',
        utc_offset_minutes INTEGER NOT NULL DEFAULT 0,
        mqtt_username TEXT UNIQUE,
        -- scrypt$N$r$p$salt$hash; the password itself is shown once and never stored.
        password_hash TEXT,
        enabled       INTEGER NOT NULL DEFAULT 1,
        created_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX devices_match ON devices(match_id) WHERE match_id IS NOT NULL;

      CREATE TABLE admissions (
        bed_id        TEXT NOT NULL REFERENCES beds(bed_id),
        patient_id    TEXT NOT NULL,
        admitted_at_ms INTEGER NOT NULL,
        discharged_at_ms INTEGER,
        source        TEXT NOT NULL CHECK (source IN ('cli', 'hl7')),
        PRIMARY KEY (bed_id, admitted_at_ms)
      ) STRICT;
      -- At most one open admission per bed.
      CREATE UNIQUE INDEX admissions_open ON admissions(bed_id) WHERE discharged_at_ms IS NULL;
    `,
  },
  {
    // PRAGMA data_version moves whenever another connection commits, and the buffer's
    // commit thread has its own connection: it moves every few ms. This counter moves
    // only when the registry itself changes, so the daemon reloads only then.
    id: 'registry-002-version',
    sql: `
      CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      INSERT INTO registry_meta (key, value) VALUES ('version', 0);
      CREATE TRIGGER registry_version_beds_insert AFTER INSERT ON beds BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_beds_update AFTER UPDATE ON beds BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_beds_delete AFTER DELETE ON beds BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_devices_insert AFTER INSERT ON devices BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_devices_update AFTER UPDATE ON devices BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_devices_delete AFTER DELETE ON devices BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_admissions_insert AFTER INSERT ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_admissions_update AFTER UPDATE ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_admissions_delete AFTER DELETE ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
    `,
  },
  {
    // One source of truth for who is in which bed (config admissions.source): the
    // admission sources become cli, device (a monitor's HL7 PID-3) and adt (the hospital's
    // interface engine); 'hl7' rows were learned from monitors. Every change is also kept
    // in admission_events, the audit trail, written in the same transaction.
    id: 'registry-003-admission-sources-audit',
    sql: `
      -- A row id, not (bed, admitted at): ADT times have one-second precision, and a bed can
      -- see a cancel and a new admit within the same second.
      CREATE TABLE admissions_v3 (
        id            INTEGER PRIMARY KEY,
        bed_id        TEXT NOT NULL REFERENCES beds(bed_id),
        patient_id    TEXT NOT NULL,
        admitted_at_ms INTEGER NOT NULL,
        discharged_at_ms INTEGER,
        source        TEXT NOT NULL CHECK (source IN ('cli', 'device', 'adt'))
      ) STRICT;
      INSERT INTO admissions_v3 (bed_id, patient_id, admitted_at_ms, discharged_at_ms, source)
        SELECT bed_id, patient_id, admitted_at_ms, discharged_at_ms, CASE source WHEN 'hl7' THEN 'device' ELSE source END FROM admissions;
      DROP TABLE admissions;
      ALTER TABLE admissions_v3 RENAME TO admissions;
      CREATE UNIQUE INDEX admissions_open ON admissions(bed_id) WHERE discharged_at_ms IS NULL;
      CREATE INDEX admissions_bed ON admissions(bed_id, admitted_at_ms);
      CREATE INDEX admissions_patient ON admissions(patient_id) WHERE discharged_at_ms IS NULL;
      CREATE TRIGGER registry_version_admissions_insert AFTER INSERT ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_admissions_update AFTER UPDATE ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;
      CREATE TRIGGER registry_version_admissions_delete AFTER DELETE ON admissions BEGIN UPDATE registry_meta SET value = value + 1 WHERE key = 'version'; END;

      CREATE TABLE admission_events (
        id            INTEGER PRIMARY KEY,
        at_ms         INTEGER NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        bed_id        TEXT NOT NULL,
        patient_id    TEXT,
        previous_patient_id TEXT,
        action        TEXT NOT NULL CHECK (action IN ('admit', 'transfer-in', 'transfer-out', 'discharge', 'cancel-admit', 'cancel-discharge', 'cancel-transfer')),
        source        TEXT NOT NULL CHECK (source IN ('cli', 'device', 'adt')),
        -- The ADT message's MSH-10 and trigger, the device id, or the CLI's --by.
        reference     TEXT,
        detail        TEXT
      ) STRICT;
      CREATE INDEX admission_events_bed ON admission_events(bed_id, at_ms);
      CREATE INDEX admission_events_patient ON admission_events(patient_id, at_ms);
    `,
  },
  {
    // tcp-hl7 devices: the addresses their messages may come from (empty: any). A message
    // that names a device from another address is refused: AR, WL_INGEST_PEER_NOT_ALLOWED.
    id: 'registry-004-device-peers',
    sql: `ALTER TABLE devices ADD COLUMN allowed_peers TEXT NOT NULL DEFAULT '[]';`,
  },
] as const;
