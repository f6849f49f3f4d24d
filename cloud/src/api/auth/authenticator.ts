/**
 * Bearer token to gateway, with a short-lived cache: a gateway uploads every few seconds
 * and a catching-up one many times a second, so the lookup must not cost a query per
 * batch. Unknown tokens are cached too (briefly), so a misconfigured gateway hammering
 * the service does not hammer PostgreSQL. The TTL bounds how long a revocation or a
 * rotation takes to bite, across every instance: `gateway revoke` runs in another
 * process and cannot reach this cache.
 */
import type pg from 'pg';
import { systemClock, UnauthorizedError, type Clock } from '@wardlink/shared';
import { toDatabaseError } from '../../storage/db-errors.js';
import type { GatewayIdentity } from '../../ingest/loader.js';
import { findGatewayByTokenHash } from './gateway-store.js';
import { bearerToken, hashToken, looksLikeToken } from './tokens.js';

export interface AuthenticatorOptions {
  /** How long a lookup is trusted; default 5 s (revocation takes effect within it). */
  ttlMs?: number;
  /** Most cached tokens; the oldest entries go first. Default 10,000. */
  maxEntries?: number;
  clock?: Clock;
}

interface Entry {
  gateway: GatewayIdentity | undefined;
  reason: 'unknown' | 'revoked' | undefined;
  expiresAt: number;
}

export class GatewayAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(
    private readonly pool: pg.Pool,
    options: AuthenticatorOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  /** The gateway of the request's bearer token; throws 401 (UnauthorizedError) or 503. */
  async authenticate(authorization: string | undefined): Promise<GatewayIdentity> {
    const token = bearerToken(authorization);
    if (!looksLikeToken(token)) throw new UnauthorizedError('unknown');
    const hash = hashToken(token);
    const now = this.clock.monotonicMs();
    let entry = this.cache.get(hash);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = await this.lookUp(hash, now);
    }
    if (entry.gateway === undefined) throw new UnauthorizedError(entry.reason ?? 'unknown');
    return entry.gateway;
  }

  /** Drops every cached lookup (tests, and after an in-process revocation). */
  clear(): void {
    this.cache.clear();
  }

  private async lookUp(hash: string, now: number): Promise<Entry> {
    let row;
    try {
      row = await findGatewayByTokenHash(this.pool, hash);
    } catch (err) {
      throw toDatabaseError(err);
    }
    const entry: Entry =
      row === undefined
        ? { gateway: undefined, reason: 'unknown', expiresAt: now + this.ttlMs }
        : row.revokedAt !== null
          ? { gateway: undefined, reason: 'revoked', expiresAt: now + this.ttlMs }
          : { gateway: { hospitalId: row.hospitalId, gatewayId: row.gatewayId, wardId: row.wardId }, reason: undefined, expiresAt: now + this.ttlMs };
    this.cache.delete(hash);
    this.cache.set(hash, entry);
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}
