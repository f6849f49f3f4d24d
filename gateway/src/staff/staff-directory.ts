/**
 * Staff accounts (`wardlink-gateway staff add|list|disable|enable|reset-pin`). The CLI and
 * the daemon share the file: every lookup reads SQLite (an indexed row), so a disabled
 * account or a reset PIN counts from the next request, with no reload.
 */
import type Database from 'better-sqlite3';
import { AlreadyExistsError, NotFoundError, UsageError } from '@wardlink/shared';
import { hashPassword, verifyPassword } from '../registry/credentials.js';
import { isRole, secretKindOf, type Role } from './roles.js';
import { checkChosenPin, generatePin, generateToken, looksLikeToken, sha256Hex } from './secrets.js';
import type { SecurityLog } from './security-log.js';

export interface Staff {
  staffId: string;
  name: string;
  role: Role;
  enabled: boolean;
  createdAtMs: number;
  secretSetAtMs: number;
}

interface Row {
  staff_id: string;
  display_name: string;
  role: string;
  secret_kind: string;
  secret_hash: string;
  enabled: number;
  created_at_ms: number;
  secret_set_at_ms: number;
}

const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** scrypt of something nobody has, so an unknown id costs as much as a wrong PIN. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function toStaff(r: Row): Staff {
  return { staffId: r.staff_id, name: r.display_name, role: r.role as Role, enabled: r.enabled === 1, createdAtMs: r.created_at_ms, secretSetAtMs: r.secret_set_at_ms };
}

/** What `add` and `reset` hand back once: the secret is never stored nor shown again. */
export interface IssuedSecret {
  staff: Staff;
  kind: 'pin' | 'token';
  secret: string;
}

export class StaffDirectory {
  constructor(
    private readonly db: Database.Database,
    private readonly audit: SecurityLog,
    private readonly now: () => number = Date.now,
  ) {}

  async add(input: { staffId: string; name: string; role: string; pin?: string; by?: string }): Promise<IssuedSecret> {
    if (!STAFF_ID.test(input.staffId)) throw new UsageError(`staff id "${input.staffId.slice(0, 40)}" must be 1-32 letters, digits, '.', '_' or '-' (the badge number)`);
    if (!isRole(input.role)) throw new UsageError(`role "${input.role.slice(0, 20)}" must be nurse, charge, display or it`);
    const name = input.name.trim();
    if (name === '' || name.length > 80) throw new UsageError('the display name is 1-80 characters');
    if (this.row(input.staffId)) throw new AlreadyExistsError('staff', input.staffId);
    const issued = await this.issue(input.role, input.pin);
    const now = this.now();
    this.db
      .prepare('INSERT INTO staff (staff_id, display_name, role, secret_kind, secret_hash, enabled, created_at_ms, secret_set_at_ms) VALUES (?, ?, ?, ?, ?, 1, ?, ?)')
      .run(input.staffId, name, input.role, issued.kind, issued.hash, now, now);
    this.audit.record('staff-added', { staffId: input.staffId, detail: `role ${input.role}${input.by ? ` by ${input.by}` : ''}` });
    return { staff: this.require(input.staffId), kind: issued.kind, secret: issued.secret };
  }

  /** A new PIN or token; the old one and every open session end at once. */
  async resetSecret(staffId: string, opts: { pin?: string; by?: string } = {}): Promise<IssuedSecret> {
    const staff = this.require(staffId);
    const issued = await this.issue(staff.role, opts.pin);
    this.db.transaction(() => {
      this.db.prepare('UPDATE staff SET secret_kind = ?, secret_hash = ?, secret_set_at_ms = ? WHERE staff_id = ?').run(issued.kind, issued.hash, this.now(), staffId);
      this.endSessions(staffId, 'secret-reset');
      this.audit.record('secret-reset', { staffId, detail: opts.by ? `by ${opts.by}` : null });
    })();
    return { staff: this.require(staffId), kind: issued.kind, secret: issued.secret };
  }

  setEnabled(staffId: string, enabled: boolean, by?: string): Staff {
    this.require(staffId);
    this.db.transaction(() => {
      this.db.prepare('UPDATE staff SET enabled = ? WHERE staff_id = ?').run(enabled ? 1 : 0, staffId);
      if (!enabled) this.endSessions(staffId, 'disabled');
      this.audit.record(enabled ? 'staff-enabled' : 'staff-disabled', { staffId, detail: by ? `by ${by}` : null });
    })();
    return this.require(staffId);
  }

  list(): Staff[] {
    return (this.db.prepare('SELECT * FROM staff ORDER BY staff_id').all() as Row[]).map(toStaff);
  }

  get(staffId: string): Staff | undefined {
    const r = this.row(staffId);
    return r ? toStaff(r) : undefined;
  }

  require(staffId: string): Staff {
    const s = this.get(staffId);
    if (!s) throw new NotFoundError('staff', staffId);
    return s;
  }

  /** The enabled account whose PIN this is, or null. Costs one scrypt even for an unknown id. */
  async verifyPin(staffId: string, pin: string): Promise<Staff | null> {
    const r = STAFF_ID.test(staffId) ? this.row(staffId) : undefined;
    const hash = r?.secret_kind === 'pin' ? r.secret_hash : DUMMY_HASH;
    const ok = await verifyPassword(pin.slice(0, 128), hash);
    return ok && r && r.enabled === 1 && r.secret_kind === 'pin' ? toStaff(r) : null;
  }

  /** The enabled account this token belongs to, or null. */
  byToken(token: string): Staff | null {
    if (!looksLikeToken(token)) return null;
    const r = this.db.prepare("SELECT * FROM staff WHERE secret_kind = 'token' AND secret_hash = ?").get(sha256Hex(token)) as Row | undefined;
    return r && r.enabled === 1 ? toStaff(r) : null;
  }

  private row(staffId: string): Row | undefined {
    return this.db.prepare('SELECT * FROM staff WHERE staff_id = ?').get(staffId) as Row | undefined;
  }

  private endSessions(staffId: string, reason: string): void {
    this.db.prepare('UPDATE staff_sessions SET ended_at_ms = ?, ended_reason = ? WHERE staff_id = ? AND ended_at_ms IS NULL').run(this.now(), reason, staffId);
  }

  private async issue(role: Role, chosen: string | undefined): Promise<{ kind: 'pin' | 'token'; secret: string; hash: string }> {
    if (secretKindOf(role) === 'token') {
      if (chosen !== undefined) throw new UsageError(`a ${role} account signs in with a generated token; it cannot be given a PIN`);
      const token = generateToken();
      return { kind: 'token', secret: token, hash: sha256Hex(token) };
    }
    const pin = chosen === undefined ? generatePin() : checkChosenPin(chosen);
    return { kind: 'pin', secret: pin, hash: await hashPassword(pin) };
  }
}
