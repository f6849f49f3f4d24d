/**
 * Where one patient's readings of each UTC day of a range are, for reads that reach past
 * the hot period (the read API's history). A day's readings can be in up to three
 * places at once, never twice in the same one:
 *
 * - the day's attached partitions (vital_data_p…, vital_blocks_p…): read through the
 *   parents by the ordinary hot query, so nothing to do here;
 * - the day's partitions while its archive job runs (detached or detach-pending, not
 *   yet dropped): the parents no longer show them, so they are read by name;
 * - archive objects of earlier generations (a day archived, then late readings arrived
 *   and were archived again as generation 2): the day object, or once the day object
 *   is purged, the patient's held object (legal hold) of the same generation.
 *
 * An object is read only once its job dropped the partition it was exported from (or
 * the partition is gone anyway): before that, the same readings are still in the
 * partition, and reading both would answer them twice.
 *
 * A day object purged with no held object for the patient means the day is gone; the
 * caller must say so, never answer it as empty (unless the patient was under hold at
 * the purge and simply had no readings in it). For a hospital-wide range (reports) a
 * purged day object means the day is gone.
 */
import type pg from 'pg';
import { blocksPartitionOf, partitionName } from '../../storage/partitions.js';
import { findObjects, type ArchiveObject } from './objects.js';

export interface DayLocation {
  /** 'YYYY-MM-DD' (UTC). */
  day: string;
  /** Archive objects holding the patient's readings of the day (day or held objects). */
  objects: ArchiveObject[];
  /** The day's partitions that exist but are not attached: read by name. */
  detachedTables: string[];
  /** The day's archive was purged and no held copy of the patient's readings exists. */
  purged: boolean;
}

export interface DayRange {
  hospitalId: string;
  /** One patient's readings (held objects count); undefined: the hospital's (day objects only). */
  patientId?: string;
  /** 'YYYY-MM-DD', both included. */
  fromDay: string;
  toDay: string;
}

type Db = pg.Pool | pg.PoolClient;

interface TableState {
  name: string;
  exists: boolean;
  attached: boolean;
}

/** The existence and attachment of the tables named, in one catalog query. */
async function tableStates(db: Db, names: string[]): Promise<Map<string, TableState>> {
  const res = await db.query<TableState>(
    `SELECT n.name, c.oid IS NOT NULL AS exists, coalesce(NOT i.inhdetachpending, false) AS attached
     FROM unnest($1::text[]) n(name)
     LEFT JOIN pg_class c ON c.relname = n.name AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'vital_data'::regclass)
     LEFT JOIN pg_inherits i ON i.inhrelid = c.oid`,
    [names],
  );
  return new Map(res.rows.map((r) => [r.name, r]));
}

/** State of each (day, generation) archive job of the range. */
async function jobStates(db: Db, range: DayRange): Promise<Map<string, string>> {
  const res = await db.query<{ day: string; generation: number; state: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, generation, state FROM archive_jobs WHERE day BETWEEN $1::date AND $2::date`,
    [range.fromDay, range.toDay],
  );
  return new Map(res.rows.map((r) => [`${r.day}/${r.generation}`, r.state]));
}

/**
 * Purged day objects whose purge found the patient under legal hold, yet made no held
 * object of them: the patient had no readings in that object, so nothing of theirs was
 * purged (the purge's audit record lists the held patients it handled).
 */
async function heldAtPurge(db: Db, range: DayRange, objects: ArchiveObject[]): Promise<Set<string>> {
  const purgedKeys = objects.filter((o) => o.kind === 'day' && o.purgedAt !== null).map((o) => o.key);
  if (range.patientId === undefined || purgedKeys.length === 0) return new Set();
  const res = await db.query<{ subject: string }>(
    `SELECT subject FROM lifecycle_audit
     WHERE hospital_id = $1 AND action = 'archive-purged' AND subject = ANY($2::text[]) AND detail->'heldPatientsExtracted' ? $3`,
    [range.hospitalId, purgedKeys, range.patientId],
  );
  return new Set(res.rows.map((r) => r.subject));
}

function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${range.fromDay}T00:00:00Z`); ms <= Date.parse(`${range.toDay}T00:00:00Z`); ms += 86_400_000) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

/** Where each day of the range is, oldest first; days with nothing outside the hot
 * partitions are left out. */
export async function locateDays(db: Db, range: DayRange): Promise<DayLocation[]> {
  // Only an archive job ever detaches, archives or purges a day: a range no job touched
  // is all in the attached partitions (the common case, one index probe). The queries
  // run one after another: a read must not take several of the pool's connections.
  const jobs = await jobStates(db, range);
  if (jobs.size === 0) return [];
  const days = daysOf(range);
  const dataTables = days.map((d) => partitionName(d));
  const tables = await tableStates(db, [...dataTables, ...dataTables.map(blocksPartitionOf)]);
  const found = await findObjects(db, { hospitalId: range.hospitalId, ...(range.patientId === undefined ? { kind: 'day' as const } : { patientId: range.patientId }), fromDay: range.fromDay, toDay: range.toDay, includePurged: true });
  const objects = range.patientId === undefined ? found : found.filter((o) => o.kind === 'day' || o.patientId === range.patientId);
  const keptHeldIn = await heldAtPurge(db, range, objects);
  const locations: DayLocation[] = [];
  for (const [i, day] of days.entries()) {
    const own = [dataTables[i]!, blocksPartitionOf(dataTables[i]!)].map((name) => tables.get(name)!);
    const partitionsExist = own.some((t) => t.exists);
    const detachedTables = own.filter((t) => t.exists && !t.attached).map((t) => t.name);
    const ofDay = objects.filter((o) => o.day === day);
    const chosen: ArchiveObject[] = [];
    let purged = false;
    for (const generation of new Set(ofDay.map((o) => o.generation))) {
      const jobState = jobs.get(`${day}/${generation}`) ?? 'dropped';
      // The partition this generation came from is still there: it is read instead.
      if (jobState !== 'dropped' && partitionsExist) continue;
      const ofGeneration = ofDay.filter((o) => o.generation === generation);
      const dayObject = ofGeneration.find((o) => o.kind === 'day');
      const held = ofGeneration.find((o) => o.kind === 'held' && o.purgedAt === null && o.verifiedAt !== null);
      if (dayObject && dayObject.purgedAt === null && dayObject.verifiedAt !== null) chosen.push(dayObject);
      else if (held) chosen.push(held);
      else if (dayObject !== undefined && dayObject.purgedAt !== null && !keptHeldIn.has(dayObject.key)) purged = true;
      else if (ofGeneration.some((o) => o.kind === 'held' && o.purgedAt !== null)) purged = true;
    }
    if (chosen.length > 0 || detachedTables.length > 0 || purged) locations.push({ day, objects: chosen, detachedTables, purged });
  }
  return locations;
}

/** What each day's location is made of, to tell whether it changed while it was read. */
const signatures = (locations: DayLocation[]) => new Map(locations.map((l) => [l.day, JSON.stringify([l.objects.map((o) => o.key), l.detachedTables, l.purged])]));

/** Days located differently in `a` and `b` (a day detached, dropped or purged between
 * two looks), oldest first. */
export function movedDays(a: DayLocation[], b: DayLocation[]): string[] {
  const before = signatures(a);
  const after = signatures(b);
  return [...new Set([...before.keys(), ...after.keys()])].filter((day) => before.get(day) !== after.get(day)).sort();
}
