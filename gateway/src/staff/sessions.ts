/**
 * Sign-in sessions behind the nurse-station cookie. The cookie holds 32 random bytes; the
 * table holds their SHA-256, so a copy of the database signs nobody in. Sessions survive
 * a daemon restart (they are rows), and end:
 *  - after `idleMs` without the person doing anything (nurse, charge, it);
 *  - at `maxMs` after sign-in whatever the activity (12 h at most: one shift);
 *  - for a display screen, only at `displayMs` (it watches; it does nothing);
 *  - at sign-out, when the account is disabled, or when its PIN or token is reset.
 * Activity is written at most once per `touchEveryMs`, so a busy page is not a disk load.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Role } from './roles.js';
import { sha256Hex } from './secrets.js';
import type { SecurityLog } from './security-log.js';
import type { Staff } from './staff-directory.js';

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
  displayMs: number;
}

export interface Session {
  staff: Staff;
  createdAtMs: number;
  lastActiveMs: number;
  /** When it ends if nothing more happens: min(idle end, absolute end). */
  endsAtMs: number;
}

export type SessionLookup = { ok: Session } | { ended: 'expired' | 'revoked' } | { ended: 'unknown' };

interface Row {
  session_hash: string;
  staff_id: string;
  created_at_ms: number;
  last_active_ms: number;
  expires_at_ms: number;
  ended_at_ms: number | null;
  ended_reason: string | null;
}

export class SessionStore {
  private readonly touchEveryMs = 30_000;

  constructor(
    private readonly db: Database.Database,
    private readonly staffOf: (staffId: string) => Staff | undefined,
    private readonly audit: SecurityLog,
    private policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  setPolicy(policy: SessionPolicy): void {
    this.policy = policy;
  }

  create(staff: Staff, address: string | null): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const maxMs = staff.role === 'display' ? this.policy.displayMs : this.policy.maxMs;
    this.db
      .prepare('INSERT INTO staff_sessions (session_hash, staff_id, created_at_ms, last_active_ms, expires_at_ms, address) VALUES (?, ?, ?, ?, ?, ?)')
      .run(sha256Hex(token), staff.staffId, now, now, now + maxMs, address);
    return { token, session: this.toSession(staff, now, now, now + maxMs) };
  }

  /** The live session for a cookie value; `touch` counts the request as the person's activity. */
  lookup(token: string, opts: { touch: boolean }): SessionLookup {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ended: 'unknown' };
    const hash = sha256Hex(token);
    const r = this.db.prepare('SELECT * FROM staff_sessions WHERE session_hash = ?').get(hash) as Row | undefined;
    if (!r) return { ended: 'unknown' };
    if (r.ended_at_ms !== null) return { ended: r.ended_reason === 'expired' ? 'expired' : 'revoked' };
    const staff = this.staffOf(r.staff_id);
    if (!staff || !staff.enabled) {
      this.end(hash, 'revoked');
      return { ended: 'revoked' };
    }
    const now = this.now();
    const session = this.toSession(staff, r.created_at_ms, r.last_active_ms, r.expires_at_ms);
    if (now >= session.endsAtMs) {
      this.end(hash, 'expired');
      this.audit.record('session-expired', { staffId: staff.staffId, detail: now >= r.expires_at_ms ? 'reached its end' : 'inactive' });
      return { ended: 'expired' };
    }
    if (opts.touch && now - r.last_active_ms >= Math.min(this.touchEveryMs, this.idleMsOf(staff.role) / 4)) {
      this.db.prepare('UPDATE staff_sessions SET last_active_ms = ? WHERE session_hash = ?').run(now, hash);
      return { ok: this.toSession(staff, r.created_at_ms, now, r.expires_at_ms) };
    }
    return { ok: session };
  }

  /** Sign-out. */
  endByToken(token: string, reason: 'logout'): Staff | null {
    const hash = sha256Hex(token);
    const r = this.db.prepare('SELECT staff_id FROM staff_sessions WHERE session_hash = ? AND ended_at_ms IS NULL').get(hash) as { staff_id: string } | undefined;
    if (!r) return null;
    this.end(hash, reason);
    return this.staffOf(r.staff_id) ?? null;
  }

  /** Rows of sessions that ended more than a week ago are of no more use. */
  prune(): void {
    this.db.prepare('DELETE FROM staff_sessions WHERE (ended_at_ms IS NOT NULL AND ended_at_ms < ?) OR expires_at_ms < ?').run(this.now() - 7 * 86_400_000, this.now() - 7 * 86_400_000);
  }

  private end(hash: string, reason: string): void {
    this.db.prepare('UPDATE staff_sessions SET ended_at_ms = ?, ended_reason = ? WHERE session_hash = ? AND ended_at_ms IS NULL').run(this.now(), reason, hash);
  }

  private idleMsOf(role: Role): number {
    return role === 'display' ? this.policy.displayMs : this.policy.idleMs;
  }

  private toSession(staff: Staff, createdAtMs: number, lastActiveMs: number, expiresAtMs: number): Session {
    return { staff, createdAtMs, lastActiveMs, endsAtMs: Math.min(expiresAtMs, lastActiveMs + this.idleMsOf(staff.role)) };
  }
}
