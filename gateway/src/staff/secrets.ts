/**
 * Staff secrets. A PIN is short, so it is kept as a scrypt hash and guessing is stopped by
 * the login limiter; a token is 32 random bytes, kept as its SHA-256 (a fast hash is safe
 * for 256 random bits and lets a request find its account by an index).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { UsageError } from '@wardlink/shared';

export const TOKEN_PREFIX = 'wlt_';

export function generatePin(digits = 6): string {
  return Array.from({ length: digits }, () => String(randomInt(10))).join('');
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A PIN of 6+ digits, or a password of 10+ characters; nothing a keyboard cannot type. */
export function checkChosenPin(secret: string): string {
  if (!/^[\x20-\x7e]{1,128}$/.test(secret)) throw new UsageError('a PIN or password is 1-128 printable ASCII characters');
  if (/^\d+$/.test(secret) ? secret.length < 6 : secret.length < 10) {
    throw new UsageError('a PIN needs at least 6 digits; a password at least 10 characters');
  }
  return secret;
}

export function looksLikeToken(secret: string): boolean {
  return secret.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{40,60}$/.test(secret);
}
