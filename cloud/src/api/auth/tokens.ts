/**
 * API tokens. A token is 256 random bits, so a plain SHA-256 of it is a safe thing to
 * store (no salt or slow hash needed: there is nothing to guess, unlike a password), and
 * the lookup is one index probe on the token_hash column. Only the hash and a short,
 * non-secret prefix (for telling tokens apart in `gateway list` / `reader list`) are
 * ever stored.
 *
 *   wlgw_<43 base64url characters>   a gateway's upload token
 *   wlrd_<43 base64url characters>   an API reader's token (clinicians' and analysts' tools)
 *
 * The scheme is part of the token, so each authenticator refuses the other kind before
 * any lookup: a gateway token can never read, a reader token can never upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UnauthorizedError } from '@wardlink/shared';

export const TOKEN_SCHEME = 'wlgw_';
export const READER_TOKEN_SCHEME = 'wlrd_';
export type TokenScheme = typeof TOKEN_SCHEME | typeof READER_TOKEN_SCHEME;

const PATTERNS: Record<TokenScheme, RegExp> = {
  wlgw_: /^wlgw_[A-Za-z0-9_-]{43}$/,
  wlrd_: /^wlrd_[A-Za-z0-9_-]{43}$/,
};
/** Scheme plus 6 random characters (36 of the 256 bits): enough to tell tokens apart. */
const PREFIX_LENGTH = TOKEN_SCHEME.length + 6;

export interface IssuedToken {
  /** The secret: shown once to the operator, never stored or logged. */
  readonly token: string;
  readonly hash: string;
  readonly prefix: string;
}

export function issueToken(scheme: TokenScheme = TOKEN_SCHEME): IssuedToken {
  const token = `${scheme}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: tokenPrefix(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenPrefix(token: string): string {
  return token.slice(0, PREFIX_LENGTH);
}

export function looksLikeToken(token: string, scheme: TokenScheme = TOKEN_SCHEME): boolean {
  return PATTERNS[scheme].test(token);
}

/** The token of an `Authorization: Bearer <token>` header; throws 401 without one. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new UnauthorizedError('missing');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new UnauthorizedError('malformed');
  return m[1]!;
}
