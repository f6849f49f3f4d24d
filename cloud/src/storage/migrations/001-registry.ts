import type { Migration } from './migration.js';

/**
 * Hospitals, wards, gateways, devices, patients and legal holds.
 *
 * Conventions for every table (see docs/scaling.md):
 * - Natural keys only; no sequence, serial or identity column anywhere. Ids are chosen
 *   by the hospital's systems and the gateways' registries, so two instances (or two
 *   Citus workers) never need to agree on a counter.
 * - Ids are `text COLLATE "C"`: they are opaque, so byte order is the right order;
 *   comparisons are memcmp (cheaper than a linguistic collation in every index probe),
 *   and an OS collation upgrade can never silently corrupt an index on them.
 * - "No patient" or "no device" is the empty string '', never NULL: key columns cannot
 *   be NULL, and a table with no nullable column has no null bitmap.
 * - Citus: every primary key and unique index of a distributed table starts with
 *   hospital_id, its distribution column. Small tables that every node needs (hospitals,
 *   wards, gateways) become reference tables and may have other unique keys.
 */
export const registry: Migration = {
  version: 1,
  name: 'registry',
  sql: `
-- Reference table. Retention defaults per hospital; the service config gives the
-- defaults for new hospitals.
CREATE TABLE hospitals (
  hospital_id   text COLLATE "C" PRIMARY KEY CHECK (hospital_id <> ''),
  name          text NOT NULL,
  hot_days      integer NOT NULL DEFAULT 90 CHECK (hot_days BETWEEN 1 AND 3650),
  archive_years integer NOT NULL DEFAULT 7 CHECK (archive_years BETWEEN 0 AND 100),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Reference table (a few dozen rows per hospital).
CREATE TABLE wards (
  hospital_id text COLLATE "C" NOT NULL REFERENCES hospitals,
  ward_id     text COLLATE "C" NOT NULL CHECK (ward_id <> ''),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hospital_id, ward_id)
);

-- Reference table: one row per ward gateway. Authentication looks a token up by its
-- hash without knowing the hospital, and a batch names only its gateway_id, so both
-- need a global unique index: allowed on a reference table, impossible on a table
-- distributed by hospital_id. token_hash is a SHA-256 (hex) of a random 256-bit token:
-- unsalted is fine for random secrets and makes the lookup one index probe.
-- token_prefix is the first characters of the token, for humans telling tokens apart.
CREATE TABLE gateways (
  hospital_id  text COLLATE "C" NOT NULL,
  gateway_id   text COLLATE "C" NOT NULL CHECK (gateway_id <> ''),
  ward_id      text COLLATE "C" NOT NULL,
  token_hash   text NOT NULL,
  token_prefix text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  PRIMARY KEY (hospital_id, gateway_id),
  CONSTRAINT gateways_gateway_id_key UNIQUE (gateway_id),
  CONSTRAINT gateways_token_hash_key UNIQUE (token_hash),
  FOREIGN KEY (hospital_id, ward_id) REFERENCES wards
);

-- Distributed by hospital_id. Device ids come from a gateway's registry, so they are
-- unique per gateway, not per hospital: the key includes gateway_id.
CREATE TABLE devices (
  hospital_id   text COLLATE "C" NOT NULL,
  gateway_id    text COLLATE "C" NOT NULL,
  device_id     text COLLATE "C" NOT NULL CHECK (device_id <> ''),
  kind          text,
  model         text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hospital_id, gateway_id, device_id),
  FOREIGN KEY (hospital_id, gateway_id) REFERENCES gateways
);

-- Distributed by hospital_id. patient_id is the hospital's identifier (HL7 PID-3), so
-- unique per hospital. The current location is what the dashboard shows; display_name
-- is optional (deployments that keep names out of the cloud leave it NULL).
CREATE TABLE patients (
  hospital_id   text COLLATE "C" NOT NULL REFERENCES hospitals,
  patient_id    text COLLATE "C" NOT NULL CHECK (patient_id <> ''),
  display_name  text,
  gateway_id    text COLLATE "C",
  bed_id        text COLLATE "C",
  admitted_at   timestamptz,
  discharged_at timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hospital_id, patient_id)
);

-- Distributed by hospital_id. A patient may be held, released and held again, so the
-- key includes placed_at; at most one hold is active at a time. No foreign key to
-- patients: a hold must be placeable even for a patient known only from archives.
CREATE TABLE legal_holds (
  hospital_id text COLLATE "C" NOT NULL,
  patient_id  text COLLATE "C" NOT NULL CHECK (patient_id <> ''),
  placed_at   timestamptz NOT NULL DEFAULT now(),
  reason      text NOT NULL CHECK (reason <> ''),
  placed_by   text NOT NULL CHECK (placed_by <> ''),
  released_at timestamptz,
  released_by text,
  PRIMARY KEY (hospital_id, patient_id, placed_at),
  CHECK (released_at IS NULL OR released_at >= placed_at)
);
CREATE UNIQUE INDEX legal_holds_one_active ON legal_holds (hospital_id, patient_id) WHERE released_at IS NULL;
`,
};
