/**
 * Bearer token to gateway, for POST /v1/batches. Only 'wlgw_' tokens are looked up: a
 * reader token is refused (401) before any query. The cache is token-cache.ts's.
 */
import type pg from 'pg';
import { UnauthorizedError } from '@wardlink/shared';
import type { GatewayIdentity } from '../../ingest/loader.js';
import { findGatewayByTokenHash } from './gateway-store.js';
import { TokenCache, type AuthenticatorOptions } from './token-cache.js';
import { bearerToken, looksLikeToken, TOKEN_SCHEME } from './tokens.js';

export type { AuthenticatorOptions } from './token-cache.js';

export class GatewayAuthenticator {
  private readonly tokens: TokenCache<GatewayIdentity>;

  constructor(pool: pg.Pool, options: AuthenticatorOptions = {}) {
    this.tokens = new TokenCache(
      'gateway',
      async (hash) => {
        const row = await findGatewayByTokenHash(pool, hash);
        return row && { identity: { hospitalId: row.hospitalId, gatewayId: row.gatewayId, wardId: row.wardId }, revoked: row.revokedAt !== null };
      },
      options,
    );
  }

  /** The gateway of the request's bearer token; throws 401 (UnauthorizedError) or 503. */
  async authenticate(authorization: string | undefined): Promise<GatewayIdentity> {
    const token = bearerToken(authorization);
    if (!looksLikeToken(token, TOKEN_SCHEME)) throw new UnauthorizedError('unknown', 'gateway');
    return this.tokens.identify(token);
  }

  /** Drops every cached lookup (tests, and after an in-process revocation). */
  clear(): void {
    this.tokens.clear();
  }
}
