/**
 * Staff accounts, their sign-in sessions and the security audit, in the gateway's one
 * SQLite file. Secrets are never stored: a PIN or password as a scrypt hash, a token
 * (display screens, IT) and a session cookie as the SHA-256 of 32 random bytes, which is
 * as strong as the random bytes and can be looked up by an index.
 */
export const staffMigrations = [
  {
    id: 'staff-001-accounts-sessions-audit',
    sql: `
      CREATE TABLE staff (
        staff_id      TEXT PRIMARY KEY,       -- the badge number
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('nurse', 'charge', 'display', 'it')),
        secret_kind   TEXT NOT NULL CHECK (secret_kind IN ('pin', 'token')),
        -- pin: scrypt$N$r$p$salt$hash; token: sha256 hex of the token.
        secret_hash   TEXT NOT NULL,
        enabled       INTEGER NOT NULL DEFAULT 1,
        created_at_ms INTEGER NOT NULL,
        secret_set_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX staff_token ON staff(secret_hash) WHERE secret_kind = 'token';

      CREATE TABLE staff_sessions (
        session_hash  TEXT PRIMARY KEY,       -- sha256 hex of the cookie value
        staff_id      TEXT NOT NULL REFERENCES staff(staff_id),
        created_at_ms INTEGER NOT NULL,
        last_active_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,       -- the absolute end, whatever the activity
        address       TEXT,
        ended_at_ms   INTEGER,
        ended_reason  TEXT
      ) STRICT;
      CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id) WHERE ended_at_ms IS NULL;

      CREATE TABLE security_events (
        id            INTEGER PRIMARY KEY,
        at_ms         INTEGER NOT NULL,
        kind          TEXT NOT NULL,
        staff_id      TEXT,
        address       TEXT,
        detail        TEXT
      ) STRICT;
      CREATE INDEX security_events_at ON security_events(at_ms);
    `,
  },
] as const;
