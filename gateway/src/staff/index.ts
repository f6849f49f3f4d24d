/** Staff accounts, sessions and the security audit: one object the daemon and the CLI open. */
import type Database from 'better-sqlite3';
import { SecurityLog } from './security-log.js';
import { SessionStore, type SessionPolicy } from './sessions.js';
import { StaffDirectory } from './staff-directory.js';

export interface StaffModule {
  audit: SecurityLog;
  directory: StaffDirectory;
  sessions: SessionStore;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, displayMs: 30 * 86_400_000 };

export function openStaff(db: Database.Database, opts: { now?: () => number; policy?: SessionPolicy } = {}): StaffModule {
  const now = opts.now ?? Date.now;
  const audit = new SecurityLog(db, now);
  const directory = new StaffDirectory(db, audit, now);
  const sessions = new SessionStore(db, (id) => directory.get(id), audit, opts.policy ?? DEFAULT_SESSION_POLICY, now);
  return { audit, directory, sessions };
}

export { staffMigrations } from './migrations.js';
export { ROLES, can, isRole, permissionsOf, secretKindOf, type Permission, type Role } from './roles.js';
export { LoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits, type Lockout } from './login-limiter.js';
export { SecurityLog, SECURITY_EVENT_KINDS, type SecurityEvent, type SecurityEventKind } from './security-log.js';
export { SessionStore, type Session, type SessionLookup, type SessionPolicy } from './sessions.js';
export { StaffDirectory, type IssuedSecret, type Staff } from './staff-directory.js';
export { generateToken, sha256Hex } from './secrets.js';
