/**
 * Token hash to identity, with a short-lived cache, shared by the gateway and the reader
 * authenticators. A gateway uploads every few seconds and a dashboard polls as often, so
 * a request must not cost a query. Unknown tokens are cached too (briefly), so a
 * misconfigured client hammering the service does not hammer PostgreSQL. The TTL bounds
 * how long a revocation or a rotation takes to bite, across every instance: the CLI runs
 * in another process and cannot reach this cache.
 */
import { systemClock, UnauthorizedError, type Clock, type TokenAudience } from '@wardlink/shared';
import { toDatabaseError } from '../../storage/db-errors.js';
import { hashToken } from './tokens.js';

export interface AuthenticatorOptions {
  /** How long a lookup is trusted; default 5 s (revocation takes effect within it). */
  ttlMs?: number;
  /** Most cached tokens; the oldest entries go first. Default 10,000. */
  maxEntries?: number;
  clock?: Clock;
}

/** What the store knows of a token hash: whose it is, and whether it was revoked. */
export interface StoredToken<T> {
  identity: T;
  revoked: boolean;
}

interface Entry<T> {
  identity: T | undefined;
  reason: 'unknown' | 'revoked' | undefined;
  expiresAt: number;
}

export class TokenCache<T> {
  private readonly cache = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(
    private readonly audience: TokenAudience,
    private readonly find: (tokenHash: string) => Promise<StoredToken<T> | undefined>,
    options: AuthenticatorOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  /** The identity holding `token`; throws 401 (UnauthorizedError) or 503 (database). */
  async identify(token: string): Promise<T> {
    const hash = hashToken(token);
    const now = this.clock.monotonicMs();
    let entry = this.cache.get(hash);
    if (entry === undefined || entry.expiresAt <= now) entry = await this.lookUp(hash, now);
    if (entry.identity === undefined) throw new UnauthorizedError(entry.reason ?? 'unknown', this.audience);
    return entry.identity;
  }

  clear(): void {
    this.cache.clear();
  }

  private async lookUp(hash: string, now: number): Promise<Entry<T>> {
    let stored;
    try {
      stored = await this.find(hash);
    } catch (err) {
      throw toDatabaseError(err);
    }
    const expiresAt = now + this.ttlMs;
    const entry: Entry<T> =
      stored === undefined
        ? { identity: undefined, reason: 'unknown', expiresAt }
        : stored.revoked
          ? { identity: undefined, reason: 'revoked', expiresAt }
          : { identity: stored.identity, reason: undefined, expiresAt };
    this.cache.delete(hash);
    this.cache.set(hash, entry);
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}
