/** Why the gateway's HTTP port refused a request: each with a stable code and status. */
import { HttpError } from '../http-error.js';

const SIGN_IN = 'sign in on the nurse-station page, or send "Authorization: Bearer <token>"';

export class AuthRequiredError extends HttpError {
  readonly status = 401;
  constructor() {
    super('WL_AUTH_REQUIRED', `this needs a signed-in account: ${SIGN_IN}`);
  }
  override headers(): Record<string, string> {
    return { 'www-authenticate': 'Bearer realm="wardlink-gateway"' };
  }
}

export class SessionEndedError extends HttpError {
  readonly status = 401;
  constructor(why: 'expired' | 'revoked') {
    super(
      why === 'expired' ? 'WL_AUTH_SESSION_EXPIRED' : 'WL_AUTH_SESSION_REVOKED',
      why === 'expired' ? 'the session ended after inactivity or at the end of its shift; sign in again' : 'the session was ended (signed out, account disabled or PIN reset); sign in again',
    );
  }
}

export class InvalidTokenError extends HttpError {
  readonly status = 401;
  constructor() {
    super('WL_AUTH_INVALID_TOKEN', 'the token is not valid: revoked, replaced by "staff reset-pin", or its account disabled');
  }
  override headers(): Record<string, string> {
    return { 'www-authenticate': 'Bearer realm="wardlink-gateway", error="invalid_token"' };
  }
}

export class BadCredentialsError extends HttpError {
  readonly status = 401;
  constructor() {
    // One answer for an unknown id, a wrong PIN and a disabled account: no id is confirmed.
    super('WL_AUTH_BAD_CREDENTIALS', 'the staff id and PIN (or the token) do not match an enabled account');
  }
}

export class ForbiddenError extends HttpError {
  readonly status = 403;
  constructor(role: string, permission: string) {
    super('WL_AUTH_FORBIDDEN', `a ${role} account may not ${permission}`, { role, permission });
  }
}

export class LockedOutError extends HttpError {
  readonly status = 429;
  constructor(
    readonly scope: 'account' | 'address',
    readonly retryAfterS: number,
  ) {
    super('WL_AUTH_LOCKED_OUT', `too many failed sign-ins for this ${scope}; try again in ${Math.ceil(retryAfterS / 60)} min or ask IT`, { scope, retryAfterS });
  }
  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) };
  }
}

export class BadHostError extends HttpError {
  readonly status = 421;
  constructor(host: string) {
    super('WL_HTTP_BAD_HOST', `this gateway is not reached as "${host.slice(0, 80)}"; add the name to http.allowedHosts if it is the gateway's`, { host: host.slice(0, 80) });
  }
}

export class BadOriginError extends HttpError {
  readonly status = 403;
  constructor(origin: string | null) {
    super('WL_HTTP_BAD_ORIGIN', origin === null ? 'a signed-in change must come from the gateway\'s own page (no Origin)' : `requests from ${origin.slice(0, 80)} are not accepted`, { origin: origin?.slice(0, 80) ?? null });
  }
}
