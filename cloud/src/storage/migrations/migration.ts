import { createHash } from 'node:crypto';

/**
 * One schema migration. Versions are consecutive integers from 1; a migration never
 * changes once released (add a new one instead): its checksum is recorded when applied.
 * Every migration runs in one transaction, so its SQL must be transactional (no
 * CREATE INDEX CONCURRENTLY, no VACUUM).
 */
export interface Migration {
  readonly version: number;
  /** Short kebab-case name, shown in logs and stored in schema_migrations. */
  readonly name: string;
  readonly sql: string;
}

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}
