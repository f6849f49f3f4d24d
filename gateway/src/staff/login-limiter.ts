/**
 * Stops PIN guessing. Failed sign-ins are counted per account and per address in a
 * sliding window; past the limit that account (or address) is locked out for `lockoutMs`,
 * which the security log records. A correct PIN during a lockout is refused too (else the
 * lockout would only slow a guesser down). Memory is bounded: at most `maxTracked`
 * accounts and addresses are remembered, the oldest forgotten first.
 */
export interface LoginLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailuresPerAccount: 5, maxFailuresPerAddress: 20, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 };

interface Tally {
  failures: number[];
  lockedUntilMs: number;
}

export interface Lockout {
  scope: 'account' | 'address';
  key: string;
  untilMs: number;
}

export class LoginLimiter {
  private readonly accounts = new Map<string, Tally>();
  private readonly addresses = new Map<string, Tally>();

  constructor(
    private limits: LoginLimits,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 10_000,
  ) {}

  setLimits(limits: LoginLimits): void {
    this.limits = limits;
  }

  /** The lockout that stops this attempt, if any. */
  blocked(staffId: string, address: string): Lockout | null {
    const now = this.now();
    const byAddress = this.addresses.get(address);
    if (byAddress && byAddress.lockedUntilMs > now) return { scope: 'address', key: address, untilMs: byAddress.lockedUntilMs };
    const byAccount = this.accounts.get(staffId);
    if (byAccount && byAccount.lockedUntilMs > now) return { scope: 'account', key: staffId, untilMs: byAccount.lockedUntilMs };
    return null;
  }

  /** Counts a failure; returns the lockouts it starts. */
  fail(staffId: string, address: string): Lockout[] {
    const started: Lockout[] = [];
    const account = this.count(this.accounts, staffId, this.limits.maxFailuresPerAccount);
    if (account !== null) started.push({ scope: 'account', key: staffId, untilMs: account });
    const addr = this.count(this.addresses, address, this.limits.maxFailuresPerAddress);
    if (addr !== null) started.push({ scope: 'address', key: address, untilMs: addr });
    return started;
  }

  succeed(staffId: string): void {
    this.accounts.delete(staffId);
  }

  private count(map: Map<string, Tally>, key: string, max: number): number | null {
    const now = this.now();
    let t = map.get(key);
    if (t) map.delete(key); // re-insert: the map's order is least recently failed first
    t ??= { failures: [], lockedUntilMs: 0 };
    t.failures = t.failures.filter((at) => now - at < this.limits.windowMs);
    t.failures.push(now);
    map.set(key, t);
    while (map.size > this.maxTracked) map.delete(map.keys().next().value as string);
    if (t.failures.length >= max && t.lockedUntilMs <= now) {
      t.lockedUntilMs = now + this.limits.lockoutMs;
      t.failures = [];
      return t.lockedUntilMs;
    }
    return null;
  }
}
