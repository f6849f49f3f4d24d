/**
 * The security audit: sign-ins, failures, lockouts, sign-outs, account changes and audio
 * pauses, with who and from where. Kept for `retentionMs` (default 400 days) and at most
 * `maxRows`, so a flood of failed logins from many addresses cannot fill the disk.
 */
import type Database from 'better-sqlite3';

export const SECURITY_EVENT_KINDS = [
  'login',
  'login-failed',
  'lockout',
  'logout',
  'session-expired',
  'staff-added',
  'staff-disabled',
  'staff-enabled',
  'secret-reset',
  'audio-pause',
  'audio-resume',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export interface SecurityEvent {
  id: number;
  atMs: number;
  kind: SecurityEventKind;
  staffId: string | null;
  address: string | null;
  detail: string | null;
}

interface Row {
  id: number;
  at_ms: number;
  kind: string;
  staff_id: string | null;
  address: string | null;
  detail: string | null;
}

export class SecurityLog {
  private readonly insert: Database.Statement;
  private writes = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
    private readonly limits: { retentionMs: number; maxRows: number } = { retentionMs: 400 * 86_400_000, maxRows: 200_000 },
  ) {
    this.insert = db.prepare('INSERT INTO security_events (at_ms, kind, staff_id, address, detail) VALUES (?, ?, ?, ?, ?)');
  }

  record(kind: SecurityEventKind, e: { staffId?: string | null; address?: string | null; detail?: string | null; atMs?: number } = {}): void {
    this.insert.run(e.atMs ?? this.now(), kind, e.staffId?.slice(0, 64) ?? null, e.address?.slice(0, 64) ?? null, e.detail?.slice(0, 500) ?? null);
    if (++this.writes % 1000 === 0) this.prune();
  }

  list(opts: { sinceMs?: number; staffId?: string; kind?: SecurityEventKind; limit?: number } = {}): SecurityEvent[] {
    const where: string[] = ['at_ms >= ?'];
    const args: unknown[] = [opts.sinceMs ?? 0];
    if (opts.staffId !== undefined) {
      where.push('staff_id = ?');
      args.push(opts.staffId);
    }
    if (opts.kind !== undefined) {
      where.push('kind = ?');
      args.push(opts.kind);
    }
    const rows = this.db.prepare(`SELECT * FROM security_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args, opts.limit ?? 200) as Row[];
    return rows.map((r) => ({ id: r.id, atMs: r.at_ms, kind: r.kind as SecurityEventKind, staffId: r.staff_id, address: r.address, detail: r.detail }));
  }

  prune(): void {
    this.db.prepare('DELETE FROM security_events WHERE at_ms < ?').run(this.now() - this.limits.retentionMs);
    this.db.prepare('DELETE FROM security_events WHERE id <= (SELECT max(id) FROM security_events) - ?').run(this.limits.maxRows);
  }
}
