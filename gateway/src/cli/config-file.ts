/**
 * Writing the gateway's config file, for every command that changes it (`init`, `config
 * set`, `tls init`, `viewer`). Its own module so those commands import it, not each other.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes the config file atomically-enough and readable only by its owner (it may hold a token). */
export function writeConfig(path: string, raw: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
