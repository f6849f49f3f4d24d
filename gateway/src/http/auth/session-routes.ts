/**
 * Sign-in and sign-out for the nurse-station page.
 *
 *   POST /api/login    {"staffId", "pin"} or {"token"}  → 200 {staffId, name, role, permissions, endsAtMs} + cookie
 *   POST /api/logout   → 200, the session ended and the cookie cleared
 *   GET  /api/session  → 200 who is signed in, or 401 with why (does not count as activity)
 *   POST /api/session  → 200: the person is active (the page sends it on input, at most once a minute)
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it) and Secure when the port serves HTTPS. Failed sign-ins are limited per
 * account and per address (login-limiter.ts); every sign-in, failure and lockout is in
 * the security log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { permissionsOf, type LoginLimiter, type Staff, type StaffModule } from '../../staff/index.js';
import { BadJsonError } from '../http-error.js';
import { readJsonBody } from '../json-body.js';
import { addressOf } from '../address.js';
import { sendJson, type HttpServer } from '../server.js';
import { SESSION_COOKIE, cookieOf } from './authenticator.js';
import { BadCredentialsError, LockedOutError } from './errors.js';
import type { Principal } from './principal.js';

export interface SessionRouteDeps {
  staff: StaffModule;
  limiter: LoginLimiter;
  /** True when the port serves HTTPS: the cookie gets `Secure`. */
  secure: () => boolean;
  now: () => number;
}

function cookie(value: string, maxAgeS: number | null, secure: boolean): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : []), ...(maxAgeS === null ? [] : [`Max-Age=${maxAgeS}`])].join('; ');
}

function whoAmI(p: { staffId: string; name: string; role: Staff['role'] }, endsAtMs: number | null) {
  return { staffId: p.staffId, name: p.name, role: p.role, permissions: permissionsOf(p.role), endsAtMs };
}

function parseLogin(body: Record<string, unknown>): { staffId: string; pin: string } | { token: string } {
  if (typeof body.token === 'string' && body.staffId === undefined) return { token: body.token.slice(0, 200) };
  if (typeof body.staffId === 'string' && typeof body.pin === 'string') return { staffId: body.staffId.trim().slice(0, 64), pin: body.pin.slice(0, 128) };
  throw new BadJsonError('send {"staffId": "...", "pin": "..."} or {"token": "..."}');
}

export function registerSessionRoutes(http: HttpServer, deps: SessionRouteDeps): void {
  const { staff, limiter } = deps;

  http.route(
    'POST',
    '/api/login',
    async (req: IncomingMessage, res: ServerResponse) => {
      const address = addressOf(req);
      const attempt = parseLogin(await readJsonBody(req, 4096, 'send {"staffId": "...", "pin": "..."} or {"token": "..."}'));
      const key = 'token' in attempt ? '(token)' : attempt.staffId;
      const blocked = limiter.blocked(key, address);
      if (blocked) throw new LockedOutError(blocked.scope, Math.max(1, Math.ceil((blocked.untilMs - deps.now()) / 1000)));
      const who = 'token' in attempt ? staff.directory.byToken(attempt.token) : await staff.directory.verifyPin(attempt.staffId, attempt.pin);
      if (!who) {
        staff.audit.record('login-failed', { staffId: 'token' in attempt ? null : key, address, detail: 'token' in attempt ? 'token' : 'pin' });
        for (const lock of limiter.fail(key, address)) {
          staff.audit.record('lockout', { staffId: lock.scope === 'account' ? key : null, address, detail: `${lock.scope} locked until ${new Date(lock.untilMs).toISOString()}` });
        }
        throw new BadCredentialsError();
      }
      limiter.succeed(key);
      const { token, session } = staff.sessions.create(who, address);
      staff.audit.record('login', { staffId: who.staffId, address, detail: `role ${who.role}` });
      // A display keeps its cookie across browser restarts; people's cookies end with the browser.
      const maxAgeS = who.role === 'display' ? Math.floor((session.endsAtMs - deps.now()) / 1000) : null;
      res.setHeader('set-cookie', cookie(token, maxAgeS, deps.secure()));
      sendJson(res, 200, whoAmI(who, session.endsAtMs));
    },
    { access: 'public', sameOrigin: true },
  );

  http.route(
    'POST',
    '/api/logout',
    (req: IncomingMessage, res: ServerResponse) => {
      const value = cookieOf(req, SESSION_COOKIE);
      const who = value === null ? null : staff.sessions.endByToken(value, 'logout');
      if (who) staff.audit.record('logout', { staffId: who.staffId, address: addressOf(req) });
      res.setHeader('set-cookie', cookie('', 0, deps.secure()));
      sendJson(res, 200, { signedOut: who !== null });
    },
    { access: 'public', sameOrigin: true },
  );

  http.route('GET', '/api/session', (_req, res, _url, p?: Principal) => sendJson(res, 200, whoAmI(p!, p!.endsAtMs)), { access: 'any', activity: false });
  http.route('POST', '/api/session', (_req, res, _url, p?: Principal) => sendJson(res, 200, whoAmI(p!, p!.endsAtMs)), { access: 'any' });
}
