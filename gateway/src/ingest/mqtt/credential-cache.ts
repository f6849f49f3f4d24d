/**
 * scrypt is deliberately slow (tens of ms). A ward's devices reconnect together after a
 * power cut, so a password verified once is remembered as a SHA-256 of (hash, password)
 * until the stored hash changes. Nothing reversible is kept in memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../../registry/credentials.js';

export class CredentialCache {
  private readonly verified = new Map<string, Buffer>();

  private static fingerprint(storedHash: string, password: string): Buffer {
    return createHash('sha256').update(storedHash).update('\u0000').update(password).digest();
  }

  async verify(username: string, password: string, storedHash: string): Promise<boolean> {
    const fp = CredentialCache.fingerprint(storedHash, password);
    const known = this.verified.get(username);
    if (known && timingSafeEqual(known, fp)) return true;
    const ok = await verifyPassword(password, storedHash);
    if (ok) this.verified.set(username, fp);
    return ok;
  }
}
