/** The gateway's software version, from its package.json (read once; the same file in
 * src/ and dist/, both two levels below the package). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function gatewayVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' && pkg.version !== '' ? pkg.version.slice(0, 64) : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
