/**
 * What the buffer holds, one object per reading, for tests: readings are stored one row
 * per device record (schema.ts), and the `readings` view expands them.
 */
import type Database from 'better-sqlite3';

export interface StoredReading {
  id: number;
  device_id: string;
  bed_id: string;
  patient_id: string | null;
  metric: string;
  device_time_ms: number;
  received_at_ms: number;
  value: number;
  flags: number;
  batch_seq: number | null;
  uploaded_at_ms: number | null;
  /** Only for a CLOCK_SUSPECT reading: the device's own time. */
  device_clock_ms: number | null;
  /** Only for an uncatalogued term: its UCUM unit. */
  unit: string | null;
}

/** Every stored reading in local order (id = the record's id + the reading's position). */
export function storedReadings(db: Database.Database): StoredReading[] {
  return db.prepare('SELECT * FROM readings ORDER BY id').all() as StoredReading[];
}
