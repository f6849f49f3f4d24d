/**
 * Read-only MQTT accounts for alarm viewers (nurse-call bridges, pagers, ward displays)
 * on the embedded broker. They come from the config (`alarms.viewers`), each with a
 * scrypt `passwordHash` (as device passwords are kept) or a plain `password` (kept
 * non-enumerable, so it never reaches a log). A viewer may subscribe to the alarm topics
 * only, and may publish nothing.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { verifyPassword } from '../../registry/credentials.js';

export interface AlarmViewerAccount {
  username: string;
  passwordHash?: string;
  password?: string;
}

/** What the broker asks (see `MqttIngestOptions.viewers`). */
export interface ViewerAuthenticator {
  has(username: string): boolean;
  verify(username: string, password: string): Promise<boolean>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class AlarmViewers implements ViewerAuthenticator {
  private readonly accounts = new Map<string, AlarmViewerAccount>();
  /** Passwords already verified against a scrypt hash, as SHA-256 (scrypt is slow). */
  private readonly verified = new Map<string, Buffer>();

  constructor(accounts: readonly AlarmViewerAccount[] = []) {
    for (const a of accounts) this.accounts.set(a.username, a);
  }

  has(username: string): boolean {
    return this.accounts.has(username);
  }

  async verify(username: string, password: string): Promise<boolean> {
    const account = this.accounts.get(username);
    if (!account) return false;
    const given = digest(password);
    if (account.password !== undefined) return timingSafeEqual(given, digest(account.password));
    if (!account.passwordHash) return false;
    const known = this.verified.get(username);
    if (known && timingSafeEqual(known, given)) return true;
    const ok = await verifyPassword(password, account.passwordHash);
    if (ok) this.verified.set(username, given);
    return ok;
  }
}
