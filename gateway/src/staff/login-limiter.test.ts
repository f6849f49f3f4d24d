import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';

describe('LoginLimiter', () => {
  it('locks an account after its failures within the window, and forgets failures older than it', () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailuresPerAccount: 3, maxFailuresPerAddress: 100, windowMs: 1000, lockoutMs: 5000 }, () => now);
    limiter.fail('rn', 'a');
    limiter.fail('rn', 'a');
    now = 1500; // the first two are out of the window
    expect(limiter.fail('rn', 'b')).toEqual([]);
    expect(limiter.blocked('rn', 'c')).toBeNull();
    limiter.fail('rn', 'b');
    expect(limiter.fail('rn', 'c')).toEqual([{ scope: 'account', key: 'rn', untilMs: 6500 }]);
    expect(limiter.blocked('rn', 'z')).toEqual({ scope: 'account', key: 'rn', untilMs: 6500 });
    expect(limiter.blocked('other', 'c')).toBeNull();
    now = 6500;
    expect(limiter.blocked('rn', 'z')).toBeNull();
  });

  it('locks an address across accounts, and a success clears only the account', () => {
    const now = 0;
    const limiter = new LoginLimiter({ maxFailuresPerAccount: 10, maxFailuresPerAddress: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
    limiter.fail('a', '10.0.0.9');
    limiter.succeed('a');
    limiter.fail('b', '10.0.0.9');
    expect(limiter.fail('c', '10.0.0.9')).toEqual([{ scope: 'address', key: '10.0.0.9', untilMs: 5000 }]);
    expect(limiter.blocked('d', '10.0.0.9')?.scope).toBe('address');
    expect(limiter.blocked('d', '10.0.0.8')).toBeNull();
  });

  it('remembers a bounded number of keys, so a flood of names cannot exhaust memory', () => {
    const limiter = new LoginLimiter({ maxFailuresPerAccount: 2, maxFailuresPerAddress: 1_000_000, windowMs: 60_000, lockoutMs: 60_000 }, () => 0, 100);
    for (let i = 0; i < 10_000; i++) limiter.fail(`name-${i}`, 'x');
    const tracked = (limiter as unknown as { accounts: Map<string, unknown> }).accounts.size;
    expect(tracked).toBe(100);
  });
});
