import type { Migration } from './migration.js';

/**
 * API readers: the credentials of the clinicians' and analysts' tools that use the read
 * API (latest values, history, dashboard) of ONE hospital.
 */
export const apiReaders: Migration = {
  version: 6,
  name: 'api-readers',
  sql: `
-- Reference table under Citus, like gateways and for the same reason: a read request
-- knows only its token, so authentication looks the token hash up without knowing the
-- hospital, and 'reader revoke ID' names only the reader: both need a global unique
-- index, allowed on a reference table. It stays small (a few readers per hospital).
-- The primary key still starts with hospital_id, the scope every read is checked
-- against. reader_id is random, chosen by the CLI (no sequence: see 001-registry).
-- token_hash is the SHA-256 (hex) of a random 256-bit 'wlrd_' token, token_prefix its
-- first characters for humans; the token itself is never stored.
CREATE TABLE api_readers (
  hospital_id  text COLLATE "C" NOT NULL REFERENCES hospitals,
  reader_id    text COLLATE "C" NOT NULL CHECK (reader_id <> ''),
  name         text NOT NULL CHECK (name <> ''),
  token_hash   text NOT NULL,
  token_prefix text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  PRIMARY KEY (hospital_id, reader_id),
  CONSTRAINT api_readers_reader_id_key UNIQUE (reader_id),
  CONSTRAINT api_readers_token_hash_key UNIQUE (token_hash)
);
`,
};
