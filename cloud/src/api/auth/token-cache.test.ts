import { describe, expect, it } from 'vitest';
import { ManualClock } from '@wardlink/shared';
import { TokenCache } from './token-cache.js';
import { hashToken } from './tokens.js';

describe('TokenCache', () => {
  it('keeps valid tokens cached while a flood of unknown ones comes and goes', async () => {
    const clock = new ManualClock(0);
    const known = new Map([[hashToken('real-1'), 'gw-1'], [hashToken('real-2'), 'gw-2']]);
    let lookups = 0;
    const cache = new TokenCache<string>(
      'gateway',
      async (hash) => {
        lookups++;
        const identity = known.get(hash);
        return identity === undefined ? undefined : { identity, revoked: false };
      },
      { clock, maxEntries: 100, ttlMs: 60_000 },
    );
    expect(await cache.identify('real-1')).toBe('gw-1');
    expect(await cache.identify('real-2')).toBe('gw-2');
    for (let i = 0; i < 5_000; i++) await expect(cache.identify(`made-up-${i}`)).rejects.toThrow();
    expect(cache.sizes).toEqual({ valid: 2, refused: 100 });
    const before = lookups;
    expect(await cache.identify('real-1')).toBe('gw-1');
    expect(await cache.identify('real-2')).toBe('gw-2');
    expect(lookups).toBe(before); // still cached: the flood did not push them out
  });
});
