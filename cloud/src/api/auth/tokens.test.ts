import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '@wardlink/shared';
import { bearerToken, issueToken, looksLikeToken, READER_TOKEN_SCHEME, TOKEN_SCHEME } from './tokens.js';

describe('gateway tokens', () => {
  it('issues 256-bit tokens, a SHA-256 hash and a short non-secret prefix', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).not.toBe(b.token);
    expect(looksLikeToken(a.token)).toBe(true);
    expect(Buffer.from(a.token.slice(5), 'base64url')).toHaveLength(32);
    expect(a.hash).toBe(createHash('sha256').update(a.token).digest('hex'));
    expect(a.prefix).toBe(a.token.slice(0, 11));
  });

  it('tells reader tokens and gateway tokens apart by their scheme, so neither passes for the other', () => {
    const reader = issueToken(READER_TOKEN_SCHEME);
    const gateway = issueToken(TOKEN_SCHEME);
    expect(reader.token).toMatch(/^wlrd_/);
    expect(reader.prefix).toBe(reader.token.slice(0, 11));
    expect(looksLikeToken(reader.token, READER_TOKEN_SCHEME)).toBe(true);
    expect(looksLikeToken(reader.token, TOKEN_SCHEME)).toBe(false);
    expect(looksLikeToken(gateway.token, READER_TOKEN_SCHEME)).toBe(false);
    expect(looksLikeToken(reader.token)).toBe(false); // the default is the gateway scheme
  });

  it('reads the bearer token and refuses anything else with 401', () => {
    const { token } = issueToken();
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`bearer  ${token} `)).toBe(token);
    for (const [header, reason] of [
      [undefined, 'missing'],
      ['', 'missing'],
      [`Basic ${token}`, 'malformed'],
      ['Bearer', 'malformed'],
      ['Bearer a b', 'malformed'],
    ] as const) {
      const err = (() => {
        try {
          bearerToken(header);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect((err as UnauthorizedError).reason).toBe(reason);
      expect((err as UnauthorizedError).status).toBe(401);
    }
  });
});
