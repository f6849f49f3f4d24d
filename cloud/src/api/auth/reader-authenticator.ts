/**
 * Bearer token to API reader, for the read routes. Only 'wlrd_' tokens are looked up: a
 * gateway's upload token is refused (401) before any query, so a stolen gateway box
 * cannot read patient data. The cache is token-cache.ts's, on the PRIMARY pool: a reader
 * revoked on the primary must not stay valid for as long as a replica lags.
 */
import type pg from 'pg';
import { HospitalForbiddenError, UnauthorizedError } from '@wardlink/shared';
import { findReaderByTokenHash } from './reader-store.js';
import { TokenCache, type AuthenticatorOptions } from './token-cache.js';
import { bearerToken, looksLikeToken, READER_TOKEN_SCHEME } from './tokens.js';

export interface ReaderIdentity {
  hospitalId: string;
  readerId: string;
}

export class ReaderAuthenticator {
  private readonly tokens: TokenCache<ReaderIdentity>;

  constructor(pool: pg.Pool, options: AuthenticatorOptions = {}) {
    this.tokens = new TokenCache(
      'reader',
      async (hash) => {
        const row = await findReaderByTokenHash(pool, hash);
        return row && { identity: { hospitalId: row.hospitalId, readerId: row.readerId }, revoked: row.revokedAt !== null };
      },
      options,
    );
  }

  /** The reader of the request's token, if it may read `hospitalId`; 401, 403 or 503 otherwise. */
  async authorize(authorization: string | undefined, hospitalId: string): Promise<ReaderIdentity> {
    let token: string;
    try {
      token = bearerToken(authorization);
    } catch (err) {
      throw err instanceof UnauthorizedError ? new UnauthorizedError(err.reason, 'reader') : err;
    }
    if (!looksLikeToken(token, READER_TOKEN_SCHEME)) throw new UnauthorizedError('unknown', 'reader');
    const reader = await this.tokens.identify(token);
    if (reader.hospitalId !== hospitalId) throw new HospitalForbiddenError(reader.hospitalId, hospitalId);
    return reader;
  }

  clear(): void {
    this.tokens.clear();
  }
}
