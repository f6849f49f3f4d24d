/**
 * One value per SQLite connection, made on first use: prepared statements (and the small
 * objects holding them) are prepared once, not on every call of a hot or periodic path.
 * Weakly held, so a closed connection's statements go with it.
 */
import type Database from 'better-sqlite3';

export function perConnection<T>(make: (db: Database.Database) => T): (db: Database.Database) => T {
  const made = new WeakMap<Database.Database, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}
