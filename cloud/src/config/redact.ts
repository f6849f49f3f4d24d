/**
 * Keeping secrets out of logs. The resolved config holds its connection strings as
 * non-enumerable properties (JSON.stringify, pino and util.inspect skip them);
 * `redactConfig` gives the printable view with the passwords masked, for
 * `wardlink-cloud config` and the startup log line.
 */
import type { CloudConfig, DatabaseConfig } from './schema.js';

const MASK = '***';

/** Masks the password of a connection string (and a `password=` query parameter). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    if (u.searchParams.has('password')) u.searchParams.set('password', MASK);
    return u.toString();
  } catch {
    // Not a URL: hide anything that looks like credentials before an @.
    return url.replace(/\/\/[^@/]*@/, `//${MASK}@`).replace(/password=[^&\s]*/gi, `password=${MASK}`);
  }
}

export type RedactedConfig = Omit<CloudConfig, 'database'> & {
  database: Omit<DatabaseConfig, 'url' | 'replicaUrl'> & { url: string | null; replicaUrl: string | null };
};

/** A plain, printable copy of the config with every secret masked. */
export function redactConfig(cfg: CloudConfig): RedactedConfig {
  const { database } = cfg;
  // Spreading skips the non-enumerable secrets; they come back below, masked.
  return {
    ...structuredClone({ ...cfg, database: { ...database } }),
    database: {
      ...database,
      url: database.url === undefined ? null : redactUrl(database.url),
      replicaUrl: database.replicaUrl === undefined ? null : redactUrl(database.replicaUrl),
    },
  };
}

/** Defines `key` on `target` as a read-only, non-enumerable property. */
export function defineSecret<T extends object>(target: T, key: string, value: string | undefined): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
}

/**
 * The database settings with the primary URL replaced, e.g. by the embedded cluster's
 * connection string. (Spreading a DatabaseConfig would drop its secrets, on purpose.)
 */
export function withDatabaseUrl(database: DatabaseConfig, url: string): DatabaseConfig {
  const { url: _url, replicaUrl: _replica, ...plain } = database;
  const copy = { ...plain } as DatabaseConfig;
  defineSecret(copy, 'url', url);
  defineSecret(copy, 'replicaUrl', database.replicaUrl);
  return Object.freeze(copy);
}
