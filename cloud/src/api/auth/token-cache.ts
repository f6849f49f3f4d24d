/**
 * Token hash to identity, with a short-lived cache, shared by the gateway and the reader
 * authenticators. A gateway uploads every few seconds and a dashboard polls as often, so
 * a request must not cost a query. Unknown tokens are cached too (briefly), so a
 * misconfigured client hammering the service does not hammer PostgreSQL. The TTL bounds
 * how long a revocation or a rotation takes to bite, across every instance: the CLI runs
 * in another process and cannot reach this cache.
 *
 * Valid and refused lookups live in two separate bounded maps: a flood of made-up tokens
 * evicts only other refused ones, never a real gateway's or reader's entry, so it cannot
 * turn every real request into a database query.
 */
import { systemClock, UnauthorizedError, type Clock, type TokenAudience } from '@wardlink/shared';
import { toDatabaseError } from '../../storage/db-errors.js';
import { hashToken } from './tokens.js';

export interface AuthenticatorOptions {
  /** How long a lookup is trusted; default 5 s (revocation takes effect within it). */
  ttlMs?: number;
  /** Most cached valid tokens, and (separately) most cached refused ones; the oldest
   * entries go first. Default 10,000 each. */
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
  private readonly valid = new Map<string, Entry<T>>();
  private readonly refused = new Map<string, Entry<T>>();
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
    let entry = this.valid.get(hash) ?? this.refused.get(hash);
    if (entry === undefined || entry.expiresAt <= now) entry = await this.lookUp(hash, now);
    if (entry.identity === undefined) throw new UnauthorizedError(entry.reason ?? 'unknown', this.audience);
    return entry.identity;
  }

  clear(): void {
    this.valid.clear();
    this.refused.clear();
  }

  /** How many entries each map holds (tests, metrics). */
  get sizes(): { valid: number; refused: number } {
    return { valid: this.valid.size, refused: this.refused.size };
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
    this.valid.delete(hash);
    this.refused.delete(hash);
    const map = entry.identity === undefined ? this.refused : this.valid;
    map.set(hash, entry);
    while (map.size > this.maxEntries) map.delete(map.keys().next().value!);
    return entry;
  }
}
