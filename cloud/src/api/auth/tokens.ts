/**
 * Gateway tokens. A token is 256 random bits, so a plain SHA-256 of it is a safe thing to
 * store (no salt or slow hash needed: there is nothing to guess, unlike a password), and
 * the lookup is one index probe on gateways.token_hash. Only the hash and a short,
 * non-secret prefix (for telling tokens apart in `gateway list`) are ever stored.
 *
 *   wlgw_<43 base64url characters>
 */
import { createHash, randomBytes } from 'node:crypto';
import { UnauthorizedError } from '@wardlink/shared';

export const TOKEN_SCHEME = 'wlgw_';
const TOKEN_PATTERN = /^wlgw_[A-Za-z0-9_-]{43}$/;
/** Scheme plus 6 random characters (36 of the 256 bits): enough to tell tokens apart. */
const PREFIX_LENGTH = TOKEN_SCHEME.length + 6;

export interface IssuedToken {
  /** The secret: shown once to the operator, never stored or logged. */
  readonly token: string;
  readonly hash: string;
  readonly prefix: string;
}

export function issueToken(): IssuedToken {
  const token = `${TOKEN_SCHEME}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: tokenPrefix(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenPrefix(token: string): string {
  return token.slice(0, PREFIX_LENGTH);
}

export function looksLikeToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** The token of an `Authorization: Bearer <token>` header; throws 401 without one. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new UnauthorizedError('missing');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new UnauthorizedError('malformed');
  return m[1]!;
}
