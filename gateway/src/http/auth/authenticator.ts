/**
 * Finds who a request is from: the `wl_session` cookie (the nurse-station page), a bearer
 * token (a display screen's or an IT account's, or the local CLI's), or nobody.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StaffModule } from '../../staff/index.js';
import { AuthRequiredError, InvalidTokenError, SessionEndedError } from './errors.js';
import type { Principal } from './principal.js';

export const SESSION_COOKIE = 'wl_session';

export function cookieOf(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function bearerOf(req: IncomingMessage): string | null {
  const m = /^Bearer\s+([\x21-\x7e]{1,200})\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export class Authenticator {
  constructor(
    private readonly staff: StaffModule,
    /** The token the daemon wrote for its own CLI (`local-admin.token`): role it. */
    private readonly localToken: string,
  ) {}

  /** The principal, or throws 401 with why. `touch`: this request is the person's activity. */
  authenticate(req: IncomingMessage, opts: { touch: boolean }): Principal {
    const bearer = bearerOf(req);
    if (bearer !== null) return this.byToken(bearer);
    const cookie = cookieOf(req, SESSION_COOKIE);
    if (cookie === null) throw new AuthRequiredError();
    const found = this.staff.sessions.lookup(cookie, { touch: opts.touch });
    if ('ended' in found) throw found.ended === 'unknown' ? new AuthRequiredError() : new SessionEndedError(found.ended);
    const { staff, endsAtMs } = found.ok;
    return {
      staffId: staff.staffId,
      name: staff.name,
      role: staff.role,
      via: 'session',
      endsAtMs,
      stillValid: () => 'ok' in this.staff.sessions.lookup(cookie, { touch: false }),
    };
  }

  private byToken(token: string): Principal {
    if (sameSecret(token, this.localToken)) {
      return { staffId: 'local-admin', name: 'gateway CLI', role: 'it', via: 'local', endsAtMs: null, stillValid: () => true };
    }
    const staff = this.staff.directory.byToken(token);
    if (!staff) throw new InvalidTokenError();
    return { staffId: staff.staffId, name: staff.name, role: staff.role, via: 'token', endsAtMs: null, stillValid: () => this.staff.directory.byToken(token) !== null };
  }
}
