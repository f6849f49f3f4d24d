/**
 * Where the browser tests find Chromium (Debian's package, or CHROMIUM_PATH), and one
 * clear line when it is missing: the tests are skipped, not silently passed.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when Chromium is there; otherwise says once, on stderr, what is skipped and how to run it. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  process.stderr.write(`SKIPPED ${what}: no Chromium at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH, then run the tests again\n`);
  return false;
}
